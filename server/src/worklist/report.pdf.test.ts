import { inflateSync } from 'node:zlib';
import type { ReadRequestDto, SignedReportDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { winAnsi } from '../pdf/pdf';
import { renderReportPdf } from './report.pdf';
import { strokeFindings } from './worklist.testing';

/** The WinAnsi bytes the standard fonts use, back to text: Latin-1 plus the few characters of 0x80-0x9F. */
const WIN_ANSI_HIGH: Record<number, string> = { 0x80: '€', 0x85: '…', 0x8c: 'Œ', 0x92: '’', 0x93: '“', 0x94: '”', 0x96: '–', 0x97: '—', 0x9c: 'œ' };

/**
 * The text of every line pdfkit wrote, in order: each `[<hex> kern <hex> …] TJ` is one run of text, its hex strings
 * the WinAnsi codes of the characters. Streams are inflated when compressed.
 */
function pdfLines(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const contents: string[] = [];
  for (const m of raw.matchAll(/<<([^]*?)>>\s*stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = raw.indexOf('endstream', start);
    const bytes = pdf.subarray(start, end);
    contents.push(m[1]!.includes('/FlateDecode') ? inflateSync(bytes).toString('latin1') : bytes.toString('latin1'));
  }
  const lines: string[] = [];
  for (const content of contents) {
    for (const tj of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      let text = '';
      for (const hex of tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)) {
        for (let i = 0; i < hex[1]!.length; i += 2) {
          const code = parseInt(hex[1]!.slice(i, i + 2), 16);
          text += WIN_ANSI_HIGH[code] ?? String.fromCharCode(code);
        }
      }
      lines.push(text);
    }
  }
  return lines;
}

const request: ReadRequestDto = {
  id: '6f1c1f3e-55aa-4c52-9d2e-3b9f7f1c2a10',
  status: 'reported',
  priority: 'P1',
  siteCode: 'MACON',
  siteName: 'CH Mâcon',
  hubCode: 'DIJON',
  studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
  studyId: '0a4a3f7e-8a0e-4c9b-b0b5-0f3d2a1c9e11',
  modalities: ['CT'],
  description: 'Scanner cérébral sans injection',
  instanceCount: 300,
  seriesCount: 2,
  patientRef: 'SYN-000123',
  createdAt: '2025-03-04T09:00:01.000Z',
  firstImageAt: '2025-03-04T09:00:00.000Z',
  slaDueAt: '2025-03-04T09:15:00.000Z',
  escalatedAt: null,
  slaBreached: false,
  claimedBy: { id: '2b0c7a34-1f7a-4f57-9a51-7e0f3a6b1c22', name: 'Dr Hélène Lefèvre' },
  claimedAt: '2025-03-04T09:02:00.000Z',
  consultId: null,
  report: null,
};

const report: SignedReportDto = {
  requestId: request.id,
  status: 'signed',
  findings: strokeFindings({ freeText: 'Pénombre étendue ; cœur d’infarctus limité ≥ 2 cm 😀' }),
  aspectsScore: 8,
  signedBy: { id: '2b0c7a34-1f7a-4f57-9a51-7e0f3a6b1c22', name: 'Dr Hélène Lefèvre' },
  signedAt: '2025-03-04T09:10:00.000Z',
  addenda: [
    {
      id: '9d7b1c55-3a2e-4c1f-8e6a-1b2c3d4e5f60',
      text: 'Relecture : M3 également atteint, ASPECTS 7.',
      signedBy: { id: '3c1d8b45-2a8b-4a68-8b62-8f1a4b7c2d33', name: 'Dr Renée Noël' },
      signedAt: '2025-03-04T09:30:00.000Z',
    },
  ],
};

describe('renderReportPdf()', () => {
  it('renderReportPdf() of a signed report writes one A4 page with the findings, ASPECTS table, score, recommendation, signature and addenda, accents intact', async () => {
    const pdf = await renderReportPdf(request, report, { compress: false });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const raw = pdf.toString('latin1');
    expect(raw.match(/\/Type \/Page\b/g)).toHaveLength(1);
    expect(raw).toContain('/MediaBox [0 0 595.28 841.89]');
    const text = pdfLines(pdf).join('\n');
    for (const expected of [
      'Compte rendu de lecture urgente — AVC',
      'CH Mâcon (MACON)',
      'Scanner cérébral sans injection',
      'Hémorragie',
      'Aucune',
      'Signes précoces d’ischémie',
      'Noyau caudé',
      'Capsule interne',
      'Insula',
      'Atteinte (-1)',
      'Score ASPECTS : 8/10',
      'Occlusion proximale (angioscanner)',
      'Transfert pour thrombectomie',
      // Paris is UTC+1 in March.
      'Signé par Dr Hélène Lefèvre le 04/03/2025 10:10:00',
      'Addendum de Dr Renée Noël le 04/03/2025 10:30:00',
      'Relecture : M3 également atteint, ASPECTS 7.',
    ]) {
      expect(text).toContain(expected);
    }
    // What WinAnsi lacks is replaced, never written as garbage.
    expect(text).toContain('cœur d’infarctus limité ? 2 cm ?');
    // Two of ten regions affected: two "Atteinte (-1)" rows, eight "Normale".
    expect(text.match(/Atteinte \(-1\)/g)).toHaveLength(2);
    expect(text.match(/^Normale$/gm)).toHaveLength(8);
  });

  it('renderReportPdf() in English labels the same report in English; compressed by default', async () => {
    const pdf = await renderReportPdf(request, report, { lang: 'en' });
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    const text = pdfLines(pdf).join('\n');
    expect(text).toContain('Urgent read report — stroke');
    expect(text).toContain('ASPECTS score : 8/10');
    expect(text).toContain('Transfer for thrombectomy');
  });

  it('winAnsi() keeps French text and strips what the standard fonts cannot print', () => {
    expect(winAnsi('Hémorragie sous-arachnoïdienne, œdème — 5 €')).toBe('Hémorragie sous-arachnoïdienne, œdème — 5 €');
    expect(winAnsi('a\u0000b\u0007c\td')).toBe('abc d');
    expect(winAnsi('Łódź ≤ 3')).toBe('?ódz ? 3');
  });
});
