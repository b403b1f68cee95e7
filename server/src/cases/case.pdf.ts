import {
  aspectsScore,
  CASE_DECISION_LABELS,
  CASE_EVENT_LABELS,
  NIHSS_ITEMS,
  NIHSS_MAX,
  type CaseRecordDto,
} from '@telestroke/shared';
import { formatAt, openPdf, winAnsi, type PdfLang } from '../pdf/pdf';

export type CaseSummaryLang = PdfLang;

/** Decimal commas in French; no grouping (the narrow space French uses is not in the standard fonts). */
const frNum = (x: number) => x.toLocaleString('fr-FR', { maximumFractionDigits: 2, useGrouping: false });
const enNum = (x: number) => x.toLocaleString('en-GB', { maximumFractionDigits: 2, useGrouping: false });

const T = {
  fr: {
    title: 'Synthèse du dossier AVC',
    site: 'Centre demandeur',
    hub: 'Centre de recours',
    patientRef: 'Référence patient',
    ins: 'INS',
    consult: 'Téléconsultation',
    requestedBy: 'Demandée par',
    acceptedBy: 'Acceptée par',
    timeline: 'Chronologie',
    estimated: 'estimée',
    by: (name: string, at: string) => `saisi par ${name} le ${at}`,
    nihss: 'NIHSS',
    assessment: (seq: number, label: string, total: number, complete: boolean) =>
      `${seq}. ${label} : ${total}/${NIHSS_MAX}${complete ? '' : ' (incomplet)'}`,
    startedBy: (name: string, at: string) => `commencé par ${name} le ${at}`,
    untestable: 'non testable',
    notScored: 'non coté',
    imaging: 'Imagerie',
    noStudy: 'Aucun examen lié.',
    notRead: 'Pas encore de compte rendu signé.',
    aspects: 'ASPECTS',
    recommendation: 'Recommandation',
    signedBy: (name: string, at: string) => `signé par ${name} le ${at}`,
    decision: 'Décision',
    noDecision: 'Pas encore de décision.',
    decidedBy: (name: string, at: string) => `par ${name} le ${at}`,
    thrombolysis: 'Thrombolyse',
    noOrder: 'Aucune prescription.',
    dose: 'Dose',
    drugs: { alteplase: 'Altéplase', tenecteplase: 'Ténectéplase' },
    weight: (kg: number, measured: boolean) => `poids ${frNum(kg)} kg (${measured ? 'mesuré' : 'estimé'})`,
    doses: (total: number, bolus: number, infusion: number, minutes: number, ml: number, mgPerMl: number) =>
      `${frNum(total)} mg au total, bolus ${frNum(bolus)} mg` +
      (infusion > 0 ? `, perfusion ${frNum(infusion)} mg sur ${minutes} min` : '') +
      ` ; ${frNum(ml)} mL à ${frNum(mgPerMl)} mg/mL`,
    num: frNum,
    vitals: 'Pression artérielle',
    glucose: 'glycémie',
    preparedBy: 'Préparée par',
    confirmedBy: 'Vérifiée par',
    notConfirmed: 'Non vérifiée par une seconde personne',
    bolusAt: 'Bolus',
    transfer: 'Transfert',
    noTransfer: 'Pas de transfert.',
    transferTo: (code: string, name: string, at: string) => `vers ${code}, demandé par ${name} le ${at}`,
    acknowledged: (name: string, at: string) => `accusé de réception par ${name} le ${at}`,
    notAcknowledged: 'accusé de réception en attente',
    footer: 'Heures de Paris. Document généré à partir du dossier AVC ; il ne remplace pas le dossier patient.',
  },
  en: {
    title: 'Stroke case summary',
    site: 'Requesting site',
    hub: 'Hub',
    patientRef: 'Patient reference',
    ins: 'INS',
    consult: 'Teleconsultation',
    requestedBy: 'Requested by',
    acceptedBy: 'Accepted by',
    timeline: 'Timeline',
    estimated: 'estimated',
    by: (name: string, at: string) => `entered by ${name} on ${at}`,
    nihss: 'NIHSS',
    assessment: (seq: number, label: string, total: number, complete: boolean) =>
      `${seq}. ${label}: ${total}/${NIHSS_MAX}${complete ? '' : ' (incomplete)'}`,
    startedBy: (name: string, at: string) => `started by ${name} on ${at}`,
    untestable: 'untestable',
    notScored: 'not scored',
    imaging: 'Imaging',
    noStudy: 'No linked study.',
    notRead: 'No signed read yet.',
    aspects: 'ASPECTS',
    recommendation: 'Recommendation',
    signedBy: (name: string, at: string) => `signed by ${name} on ${at}`,
    decision: 'Decision',
    noDecision: 'No decision yet.',
    decidedBy: (name: string, at: string) => `by ${name} on ${at}`,
    thrombolysis: 'Thrombolysis',
    noOrder: 'No order.',
    dose: 'Dose',
    drugs: { alteplase: 'Alteplase', tenecteplase: 'Tenecteplase' },
    weight: (kg: number, measured: boolean) => `weight ${enNum(kg)} kg (${measured ? 'measured' : 'estimated'})`,
    doses: (total: number, bolus: number, infusion: number, minutes: number, ml: number, mgPerMl: number) =>
      `${enNum(total)} mg in total, bolus ${enNum(bolus)} mg` +
      (infusion > 0 ? `, infusion ${enNum(infusion)} mg over ${minutes} min` : '') +
      ` ; ${enNum(ml)} mL at ${enNum(mgPerMl)} mg/mL`,
    num: enNum,
    vitals: 'Blood pressure',
    glucose: 'glucose',
    preparedBy: 'Prepared by',
    confirmedBy: 'Checked by',
    notConfirmed: 'Not checked by a second person',
    bolusAt: 'Bolus',
    transfer: 'Transfer',
    noTransfer: 'No transfer.',
    transferTo: (code: string, name: string, at: string) => `to ${code}, requested by ${name} on ${at}`,
    acknowledged: (name: string, at: string) => `acknowledged by ${name} on ${at}`,
    notAcknowledged: 'acknowledgement pending',
    footer: 'Paris times. Generated from the stroke case record; it does not replace the patient record.',
  },
} as const;

const RECOMMENDATION = {
  fr: { ivt_candidate: 'Candidat à la thrombolyse', thrombectomy_transfer: 'Transfert pour thrombectomie', neither: 'Ni l’un ni l’autre' },
  en: { ivt_candidate: 'Thrombolysis candidate', thrombectomy_transfer: 'Thrombectomy transfer', neither: 'Neither' },
} as const;

/**
 * The case summary as an A4 PDF with the standard Helvetica font: the case, its timeline, the NIHSS series, the signed
 * reads, the decision, the thrombolysis doses with who prepared and who checked them, and the transfer.
 * `compress: false` leaves the content streams readable, which tests use.
 */
export function renderCaseSummaryPdf(
  record: CaseRecordDto,
  options: { lang?: CaseSummaryLang; compress?: boolean } = {},
): Promise<Buffer> {
  const lang = options.lang ?? 'fr';
  const L = T[lang];
  const { doc, done, width, field, heading } = openPdf({ title: L.title, lang, compress: options.compress });
  const line = (text: string, font = 'Helvetica', size = 10) => doc.font(font).fontSize(size).text(winAnsi(text), { width });

  doc.font('Helvetica-Bold').fontSize(16).text(winAnsi(L.title));
  doc.moveDown(0.5);
  field(L.site, `${record.siteName} (${record.siteCode})`);
  field(L.hub, record.hubCode);
  field(L.patientRef, record.patientRef);
  if (record.ins) field(L.ins, record.ins);
  field(L.requestedBy, `${record.consult.requestedBy.name} — ${formatAt(record.consult.requestedAt, lang)}`);
  if (record.consult.acceptedBy && record.consult.acceptedAt) {
    field(L.acceptedBy, `${record.consult.acceptedBy.name} — ${formatAt(record.consult.acceptedAt, lang)}`);
  }

  heading(L.timeline);
  for (const e of record.timeline) {
    const label = CASE_EVENT_LABELS[e.kind][lang];
    line(`${label} : ${formatAt(e.at, lang)}${e.estimated ? ` (${L.estimated})` : ''}`, 'Helvetica-Bold');
    if (e.enteredBy && e.enteredAt) line(L.by(e.enteredBy.name, formatAt(e.enteredAt, lang)), 'Helvetica-Oblique', 8);
  }

  heading(L.nihss);
  for (const a of record.nihss) {
    line(L.assessment(a.seq, a.label, a.total, a.complete), 'Helvetica-Bold');
    line(L.startedBy(a.startedBy.name, formatAt(a.startedAt, lang)), 'Helvetica-Oblique', 8);
    const parts = NIHSS_ITEMS.map((item) => {
      const v = a.items[item.id]?.value;
      const shown = v === undefined ? L.notScored : v === 'untestable' ? L.untestable : String(v);
      return `${item.id} ${item.label[lang]} : ${shown}`;
    });
    line(parts.join(' ; '), 'Helvetica', 8);
    doc.moveDown(0.3);
  }

  heading(L.imaging);
  if (record.studies.length === 0) line(L.noStudy);
  for (const s of record.studies) {
    line(`${s.modalities.join(', ') || '—'} ${s.description ?? ''} — ${formatAt(s.firstReceivedAt, lang)}`, 'Helvetica-Bold');
    if (!s.report) {
      line(L.notRead, 'Helvetica-Oblique');
      continue;
    }
    line(`${L.aspects} : ${aspectsScore(s.report.findings.aspects)}/10 ; ${L.recommendation} : ${RECOMMENDATION[lang][s.report.findings.recommendation]}`);
    if (s.report.findings.freeText) line(s.report.findings.freeText, 'Helvetica', 9);
    line(L.signedBy(s.report.signedBy.name, formatAt(s.report.signedAt, lang)), 'Helvetica-Oblique', 8);
  }

  heading(L.decision);
  if (!record.decision) line(L.noDecision);
  else {
    line(CASE_DECISION_LABELS[record.decision.decision][lang], 'Helvetica-Bold');
    line(L.decidedBy(record.decision.decidedBy.name, formatAt(record.decision.decidedAt, lang)), 'Helvetica-Oblique', 8);
    if (record.decision.note) line(record.decision.note, 'Helvetica', 9);
  }

  heading(L.thrombolysis);
  if (record.thrombolysisOrders.length === 0) line(L.noOrder);
  for (const o of record.thrombolysisOrders) {
    const d = o.dose;
    line(`${L.drugs[o.drug]} — ${L.weight(o.weightKg, o.weightSource === 'measured')}`, 'Helvetica-Bold');
    line(`${L.dose} : ${L.doses(d.totalMg, d.bolusMg, d.infusionMg, d.infusionMinutes, d.volumeMl, d.concentrationMgPerMl)}`);
    line(d.rounding.rule, 'Helvetica', 8);
    line(`${L.vitals} : ${o.systolicMmHg}/${o.diastolicMmHg} mmHg ; ${L.glucose} ${L.num(o.glucoseMmolPerL)} mmol/L`);
    line(`${L.preparedBy} : ${o.preparedBy.displayName} — ${formatAt(o.preparedAt, lang)}`);
    line(
      o.confirmedBy && o.confirmedAt ? `${L.confirmedBy} : ${o.confirmedBy.displayName} — ${formatAt(o.confirmedAt, lang)}` : L.notConfirmed,
      o.confirmedBy ? 'Helvetica' : 'Helvetica-Bold',
    );
    if (o.bolusAt) line(`${L.bolusAt} : ${formatAt(o.bolusAt, lang)}${o.bolusBy ? ` (${o.bolusBy.displayName})` : ''}`);
    doc.moveDown(0.3);
  }

  heading(L.transfer);
  if (!record.transfer) line(L.noTransfer);
  else {
    const t = record.transfer;
    line(L.transferTo(t.toSiteCode, t.requestedBy.name, formatAt(t.requestedAt, lang)));
    line(
      t.acknowledgedBy && t.acknowledgedAt ? L.acknowledged(t.acknowledgedBy.name, formatAt(t.acknowledgedAt, lang)) : L.notAcknowledged,
      'Helvetica-Oblique',
    );
  }

  doc.moveDown(1);
  doc.font('Helvetica').fontSize(8).fillColor('#555555').text(winAnsi(L.footer), { width });
  doc.end();
  return done;
}
