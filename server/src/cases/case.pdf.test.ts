import type { CaseRecordDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { strokeFindings } from '../worklist/worklist.testing';
import { renderCaseSummaryPdf } from './case.pdf';

/** The text runs of an uncompressed pdfkit document: the hex strings of each TJ, decoded from WinAnsi (Latin-1 here). */
function textRuns(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  return [...raw.matchAll(/\[([^\]]*)\]\s*TJ/g)].map((tj) =>
    [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)]
      .map((h) => Buffer.from(h[1]!, 'hex').toString('latin1'))
      .join('')
      .replace(/\x92/g, '’')
      .replace(/\x97/g, '—'),
  );
}

const person = (name: string) => ({ id: '11111111-1111-4111-8111-111111111111', name });
const at = '2026-11-30T08:15:00.000Z';

const record: CaseRecordDto = {
  id: '2a0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
  consultId: '3b0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
  siteCode: 'MACON',
  siteName: 'CH Mâcon',
  hubCode: 'DIJON',
  patientRef: 'IPP-77',
  ins: null,
  createdAt: at,
  consult: {
    id: '3b0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
    status: 'ended',
    kind: 'urgent',
    siteCode: 'MACON',
    hubCode: 'DIJON',
    patientRef: 'IPP-77',
    ageYears: 70,
    sex: 'F',
    weightKg: 70,
    lastKnownWellAt: at,
    reason: 'Aphasie',
    studyInstanceUid: null,
    requestedBy: person('Dr Urgences'),
    acceptedBy: person('Dr Neuro'),
    requestedAt: at,
    acceptedAt: at,
    escalatedAt: null,
    joinedAt: at,
    endedAt: at,
    outcome: 'thrombolysis',
  },
  timeline: [
    { kind: 'lkw', at, estimated: true, source: 'entered', enteredBy: person('Dr Urgences'), enteredAt: at, note: null, corrects: 0 },
    { kind: 'needle', at, estimated: false, source: 'entered', enteredBy: person('IDE Bolus'), enteredAt: at, note: null, corrects: 0 },
  ],
  nihss: [
    {
      id: '4c0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
      caseId: '2a0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
      seq: 1,
      label: 'avant bolus',
      startedBy: person('Dr Neuro'),
      startedAt: at,
      items: { '5a': { value: 4, changedBy: person('Dr Neuro'), changedAt: at }, '9': { value: 2, changedBy: person('Dr Neuro'), changedAt: at } },
      total: 6,
      complete: false,
      changes: [],
    },
  ],
  studies: [
    {
      studyId: '5d0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
      studyInstanceUid: '1.2.3',
      modalities: ['CT'],
      description: 'Scanner',
      firstReceivedAt: at,
      readRequestId: null,
      report: { requestId: '6e0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10', status: 'signed', findings: strokeFindings(), aspectsScore: 8, signedBy: person('Dr Radio'), signedAt: at, addenda: [] },
    },
  ],
  decision: { decision: 'thrombolysis', note: null, decidedBy: person('Dr Neuro'), decidedAt: at },
  transfer: null,
  thrombolysisOrders: [
    {
      id: '7f0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
      caseId: '2a0e3f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
      status: 'given',
      drug: 'alteplase',
      weightKg: 70,
      weightSource: 'measured',
      dose: {
        drug: 'alteplase',
        indication: 'stroke',
        weightKg: 70,
        mgPerKg: 0.9,
        maxMg: 90,
        capped: false,
        totalMg: 63,
        bolusMg: 6.3,
        bolusMinutes: 1,
        infusionMg: 56.7,
        infusionMinutes: 60,
        concentrationMgPerMl: 1,
        volumeMl: 63,
        bolusVolumeMl: 6.3,
        infusionVolumeMl: 56.7,
        rounding: { doseStepMg: 0.1, volumeStepMl: 0.1, rule: 'arrondi au 0,1 mg' },
      },
      checklist: {} as never,
      systolicMmHg: 172,
      diastolicMmHg: 95,
      glucoseMmolPerL: 6.4,
      preparedBy: { id: 'a', displayName: 'IDE Prépare' },
      preparedAt: at,
      confirmedBy: { id: 'b', displayName: 'Dr Vérifie' },
      confirmedAt: at,
      bolusAt: at,
      bolusBy: { id: 'a', displayName: 'IDE Prépare' },
    },
  ],
  can: { score: false, decide: false, message: false, acknowledgeTransfer: false },
};

describe('renderCaseSummaryPdf()', () => {
  it('writes the summary in French by default: timeline, NIHSS series, read, decision, doses and who checked them', async () => {
    const text = textRuns(await renderCaseSummaryPdf(record, { compress: false })).join('\n');
    expect(text).toContain('Synthèse du dossier AVC');
    expect(text).toContain('Dernière fois vu normal / début des symptômes');
    expect(text).toContain('(estimée)');
    expect(text).toContain('Bolus de thrombolyse');
    expect(text).toContain('1. avant bolus : 6/42 (incomplet)');
    expect(text).toContain('ASPECTS : 8/10');
    expect(text).toContain('Transfert pour thrombectomie');
    expect(text).toContain('Altéplase — poids 70 kg (mesuré)');
    expect(text).toContain('Dose : 63 mg au total, bolus 6,3 mg, perfusion 56,7 mg sur 60 min ; 63 mL à 1 mg/mL');
    expect(text).toContain('Pression artérielle : 172/95 mmHg ; glycémie 6,4 mmol/L');
    expect(text).toContain('Préparée par : IDE Prépare');
    expect(text).toMatch(/Vérifiée par : Dr Vérifie — \d\d\/\d\d\/2026/);
    expect(text).toContain('Pas de transfert.');
    expect(text).not.toContain('Stroke case summary');
  });

  it('writes it in English when asked', async () => {
    const text = textRuns(await renderCaseSummaryPdf(record, { lang: 'en', compress: false })).join('\n');
    expect(text).toContain('Stroke case summary');
    expect(text).toMatch(/Checked by : Dr Vérifie/);
    expect(text).toContain('bolus 6.3 mg');
    expect(text).not.toContain('Synthèse');
  });
});
