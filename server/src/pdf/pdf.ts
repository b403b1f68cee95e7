import type { Response } from 'express';
import PDFDocument from 'pdfkit';

/** The languages of the printable documents; French is the default everywhere. */
export type PdfLang = 'fr' | 'en';

/** Characters beyond Latin-1 that the standard fonts' WinAnsi encoding has. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/**
 * Text the standard PDF fonts can print: they only have WinAnsi, and pdfkit writes any other character as garbage.
 * Accents are kept; other characters lose their diacritics when that is enough, else become '?'.
 */
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')) {
    const code = ch.codePointAt(0)!;
    if (ch === '\n' || (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) {
      out += ch;
    } else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) {
      continue;
    } else {
      const bare = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += [...bare].every((c) => c.codePointAt(0)! >= 0x20 && c.codePointAt(0)! < 0x7f) && bare !== '' ? bare : '?';
    }
  }
  return out;
}

/** A time as clinicians in the network read it: Paris time, in the document's language. */
export function formatAt(iso: string, lang: PdfLang): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone: 'Europe/Paris',
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(new Date(iso));
}

/**
 * An A4 document in the standard Helvetica font (nothing embedded), with the few building blocks the platform's
 * printouts share. `compress: false` leaves the content streams readable, which tests use. `done` resolves with the
 * file once `doc.end()` is called.
 */
export function openPdf(options: { title: string; lang: PdfLang; compress?: boolean }) {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    compress: options.compress ?? true,
    info: { Title: winAnsi(options.title), Creator: 'Telestroke' },
    lang: options.lang === 'fr' ? 'fr-FR' : 'en-GB',
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  /** "Label : value" on one line, the label bold. */
  const field = (label: string, value: string) => {
    doc.font('Helvetica-Bold').fontSize(10).text(`${winAnsi(label)} : `, { continued: true });
    doc.font('Helvetica').text(winAnsi(value), { width });
  };
  /** A section title with a rule under it. */
  const heading = (text: string) => {
    doc.moveDown(0.6);
    doc.font('Helvetica-Bold').fontSize(12).text(winAnsi(text));
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).stroke();
    doc.moveDown(0.3);
  };
  return { doc, done, left, width, field, heading };
}

/** Answers a made PDF to be shown in the browser, never cached: it holds patient data. */
export function sendPdf(res: Response, { pdf, filename }: { pdf: Buffer; filename: string }): void {
  res
    .status(200)
    .set({
      'Content-Type': 'application/pdf',
      'Content-Length': String(pdf.length),
      'Content-Disposition': `inline; filename="${filename}"`,
      'Cache-Control': 'no-store',
    })
    .end(pdf);
}
