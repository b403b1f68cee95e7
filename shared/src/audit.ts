export interface AuditEntryDto {
  id: string;
  at: string;
  actor: string;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  siteCode: string | null;
  ip: string | null;
}
