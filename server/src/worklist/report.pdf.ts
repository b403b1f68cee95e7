import {
  ASPECTS_REGIONS,
  type AspectsRegion,
  type Haemorrhage,
  type LvoSite,
  type ReadRequestDto,
  type Recommendation,
  type SignedReportDto,
} from '@telestroke/shared';
import { formatAt, openPdf, winAnsi, type PdfLang } from '../pdf/pdf';

export type ReportLang = PdfLang;

interface Labels {
  title: string;
  site: string;
  study: string;
  modalities: string;
  studyUid: string;
  patientRef: string;
  firstImage: string;
  findings: string;
  haemorrhage: string;
  haemorrhageKinds: Record<Haemorrhage, string>;
  earlyIschaemicSigns: string;
  aspects: string;
  region: string;
  affected: string;
  normal: string;
  regions: Record<AspectsRegion, string>;
  score: string;
  hyperdenseVesselSign: string;
  lvo: string;
  lvoSites: Record<LvoSite, string>;
  recommendation: string;
  recommendations: Record<Recommendation, string>;
  freeText: string;
  signedBy: (name: string, at: string) => string;
  addenda: string;
  addendumBy: (name: string, at: string) => string;
  yes: string;
  no: string;
  footer: string;
}

const REGIONS_COMMON = { M1: 'M1', M2: 'M2', M3: 'M3', M4: 'M4', M5: 'M5', M6: 'M6' } as const;

const LABELS: Record<ReportLang, Labels> = {
  fr: {
    title: 'Compte rendu de lecture urgente — AVC',
    site: 'Centre demandeur',
    study: 'Examen',
    modalities: 'Modalités',
    studyUid: 'UID de l’examen',
    patientRef: 'Référence patient',
    firstImage: 'Première image reçue',
    findings: 'Résultats',
    haemorrhage: 'Hémorragie',
    haemorrhageKinds: {
      none: 'Aucune',
      ICH: 'Hématome intraparenchymateux',
      SAH: 'Hémorragie sous-arachnoïdienne',
      SDH: 'Hématome sous-dural',
      other: 'Autre',
    },
    earlyIschaemicSigns: 'Signes précoces d’ischémie',
    aspects: 'ASPECTS (territoire sylvien)',
    region: 'Région',
    affected: 'Atteinte',
    normal: 'Normale',
    regions: { caudate: 'Noyau caudé', lentiform: 'Noyau lenticulaire', internalCapsule: 'Capsule interne', insula: 'Insula', ...REGIONS_COMMON },
    score: 'Score ASPECTS',
    hyperdenseVesselSign: 'Signe de l’artère hyperdense',
    lvo: 'Occlusion proximale (angioscanner)',
    lvoSites: { none: 'Aucune', ICA: 'Carotide interne', M1: 'M1', M2: 'M2', basilar: 'Tronc basilaire', other: 'Autre' },
    recommendation: 'Recommandation',
    recommendations: {
      ivt_candidate: 'Candidat à la thrombolyse intraveineuse',
      thrombectomy_transfer: 'Transfert pour thrombectomie',
      neither: 'Ni thrombolyse ni thrombectomie',
    },
    freeText: 'Commentaire',
    signedBy: (name, at) => `Signé par ${name} le ${at}`,
    addenda: 'Addenda',
    addendumBy: (name, at) => `Addendum de ${name} le ${at}`,
    yes: 'Oui',
    no: 'Non',
    footer: 'Heures de Paris. Compte rendu signé : toute correction fait l’objet d’un addendum.',
  },
  en: {
    title: 'Urgent read report — stroke',
    site: 'Requesting site',
    study: 'Study',
    modalities: 'Modalities',
    studyUid: 'Study UID',
    patientRef: 'Patient reference',
    firstImage: 'First image received',
    findings: 'Findings',
    haemorrhage: 'Haemorrhage',
    haemorrhageKinds: {
      none: 'None',
      ICH: 'Intracerebral haemorrhage',
      SAH: 'Subarachnoid haemorrhage',
      SDH: 'Subdural haematoma',
      other: 'Other',
    },
    earlyIschaemicSigns: 'Early ischaemic signs',
    aspects: 'ASPECTS (MCA territory)',
    region: 'Region',
    affected: 'Affected',
    normal: 'Normal',
    regions: { caudate: 'Caudate', lentiform: 'Lentiform nucleus', internalCapsule: 'Internal capsule', insula: 'Insula', ...REGIONS_COMMON },
    score: 'ASPECTS score',
    hyperdenseVesselSign: 'Hyperdense vessel sign',
    lvo: 'Large-vessel occlusion (CTA)',
    lvoSites: { none: 'None', ICA: 'Internal carotid', M1: 'M1', M2: 'M2', basilar: 'Basilar', other: 'Other' },
    recommendation: 'Recommendation',
    recommendations: {
      ivt_candidate: 'Intravenous thrombolysis candidate',
      thrombectomy_transfer: 'Transfer for thrombectomy',
      neither: 'Neither thrombolysis nor thrombectomy',
    },
    freeText: 'Comment',
    signedBy: (name, at) => `Signed by ${name} on ${at}`,
    addenda: 'Addenda',
    addendumBy: (name, at) => `Addendum by ${name} on ${at}`,
    yes: 'Yes',
    no: 'No',
    footer: 'Paris times. Signed report: any correction is an addendum.',
  },
};

/**
 * The signed report as a printable A4 PDF, with the standard Helvetica font (nothing embedded): the request, the
 * findings, the ASPECTS table and score, the recommendation, the signature and the addenda. `compress: false` leaves
 * the content streams readable, which tests use.
 */
export function renderReportPdf(
  request: ReadRequestDto,
  report: SignedReportDto,
  options: { lang?: ReportLang; compress?: boolean } = {},
): Promise<Buffer> {
  const lang = options.lang ?? 'fr';
  const L = LABELS[lang];
  const f = report.findings;
  const { doc, done, left, width, field, heading } = openPdf({ title: L.title, lang, compress: options.compress });
  const yesNo = (b: boolean) => (b ? L.yes : L.no);

  doc.font('Helvetica-Bold').fontSize(16).text(winAnsi(L.title));
  doc.moveDown(0.5);
  field(L.site, `${request.siteName} (${request.siteCode})`);
  field(L.study, request.description ?? '—');
  field(L.modalities, request.modalities.join(', ') || '—');
  if (request.patientRef) field(L.patientRef, request.patientRef);
  field(L.studyUid, request.studyInstanceUid);
  field(L.firstImage, formatAt(request.firstImageAt, lang));

  heading(L.findings);
  field(L.haemorrhage, L.haemorrhageKinds[f.haemorrhage]);
  field(L.earlyIschaemicSigns, yesNo(f.earlyIschaemicSigns));
  field(L.hyperdenseVesselSign, yesNo(f.hyperdenseVesselSign));
  field(L.lvo, L.lvoSites[f.lvo]);

  heading(L.aspects);
  const col = [left, left + 220];
  const rowHeight = 15;
  let y = doc.y;
  doc.font('Helvetica-Bold').fontSize(10);
  doc.text(winAnsi(L.region), col[0]!, y, { lineBreak: false });
  doc.text(winAnsi(L.affected), col[1]!, y, { lineBreak: false });
  y += rowHeight;
  doc.font('Helvetica');
  for (const region of ASPECTS_REGIONS) {
    const hit = f.aspects[region];
    doc.rect(left - 2, y - 3, 300, rowHeight).lineWidth(0.3).stroke();
    doc.font(hit ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(winAnsi(L.regions[region]), col[0]!, y, { lineBreak: false });
    doc.text(winAnsi(hit ? `${L.affected} (-1)` : L.normal), col[1]!, y, { lineBreak: false });
    y += rowHeight;
  }
  doc.x = left;
  doc.y = y + 6;
  doc.font('Helvetica-Bold').fontSize(12).text(winAnsi(`${L.score} : ${report.aspectsScore}/10`));

  heading(L.recommendation);
  doc.font('Helvetica-Bold').fontSize(12).text(winAnsi(L.recommendations[f.recommendation]));
  if (f.freeText) {
    doc.moveDown(0.4);
    doc.font('Helvetica-Bold').fontSize(10).text(winAnsi(L.freeText));
    doc.font('Helvetica').text(winAnsi(f.freeText), { width });
  }

  doc.moveDown(1);
  doc.font('Helvetica-Oblique').fontSize(10).text(winAnsi(L.signedBy(report.signedBy.name, formatAt(report.signedAt, lang))));

  if (report.addenda.length > 0) {
    heading(L.addenda);
    for (const a of report.addenda) {
      doc.font('Helvetica-Oblique').fontSize(9).text(winAnsi(L.addendumBy(a.signedBy.name, formatAt(a.signedAt, lang))));
      doc.font('Helvetica').fontSize(10).text(winAnsi(a.text), { width });
      doc.moveDown(0.4);
    }
  }

  doc.moveDown(1);
  doc.font('Helvetica').fontSize(8).fillColor('#555555').text(winAnsi(L.footer), { width });
  doc.end();
  return done;
}
