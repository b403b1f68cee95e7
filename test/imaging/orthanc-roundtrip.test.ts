import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy } from '@telestroke/server/dicom/synthetic';
import { ApiClient, DEMO, startTestServer, type TestServer } from '@telestroke/server/testing';
import { OrthancPeer } from '../peers/OrthancPeer';

/** The UIDs and the pixel data bytes of a Part 10 file: what must survive a round trip unchanged. */
function essence(bytes: Uint8Array) {
  const ds = dicomParser.parseDicom(bytes);
  const px = ds.elements.x7fe00010!;
  return {
    sop: ds.string('x00080018'),
    series: ds.string('x0020000e'),
    study: ds.string('x0020000d'),
    sopClass: ds.string('x00080016'),
    pixels: Buffer.from(bytes.buffer, bytes.byteOffset + px.dataOffset, px.length).toString('base64'),
  };
}

/**
 * Orthanc 1.10 standing in for CH Mâcon's gateway, configured with this server as a DICOMweb peer: it sends a
 * study to us (STOW-RS), queries us (QIDO-RS) and retrieves it back from us (WADO-RS). Orthanc rewrites the file
 * meta header, so the comparison is on UIDs and pixel data.
 */
describe('Orthanc round trip', () => {
  let t: TestServer;
  let orthanc: OrthancPeer;
  const study = [...generateStudy({ kind: 'ct', slices: 12, rows: 64, columns: 64 })];
  const studyUid = study[0]!.studyInstanceUid;
  const originals = new Map(study.map((i) => [i.sopInstanceUid, essence(i.bytes)]));

  beforeAll(async () => {
    t = await startTestServer();
    const admin = new ApiClient(t.url);
    await admin.login(DEMO.admin);
    const token = (await admin.post('/api/sites/MACON/tokens', { name: 'Orthanc gateway' })).body.token as string;
    orthanc = await OrthancPeer.create({
      aet: 'MACON_CT',
      dicomWebServers: { telestroke: { url: `${t.url}/dicom-web/`, headers: { Authorization: `Bearer ${token}` } } },
    });
    for (const inst of study) await orthanc.rest('POST', '/instances', inst.bytes);
  });

  afterAll(async () => {
    await orthanc?.close();
    await t?.close();
  });

  it('Orthanc sends the study to us by STOW-RS and every instance is stored with the same UIDs and pixels', async () => {
    const [orthancStudy] = await orthanc.rest<string[]>('POST', '/tools/lookup', studyUid).then((r: any) =>
      r.filter((x: any) => x.Type === 'Study').map((x: any) => x.ID),
    );
    await orthanc.rest('POST', '/dicom-web/servers/telestroke/stow', { Resources: [orthancStudy], Synchronous: true });
    const { rows } = await t.server.db.query<{ sop_instance_uid: string; file_path: string }>(
      `SELECT i.sop_instance_uid, i.file_path FROM dicom_instances i JOIN dicom_series s ON s.id = i.series_ref
         JOIN dicom_studies st ON st.id = s.study_ref WHERE st.study_uid = $1`,
      [studyUid],
    );
    expect(rows).toHaveLength(study.length);
    for (const r of rows) {
      const stored = await t.server.imaging.storage.read(r.file_path);
      expect(essence(stored)).toEqual(originals.get(r.sop_instance_uid));
    }
  });

  it('Orthanc queries us by QIDO-RS and finds the study with its modality', async () => {
    const found = await orthanc.rest<any[]>('POST', '/dicom-web/servers/telestroke/qido', {
      Uri: '/studies',
      Arguments: { StudyInstanceUID: studyUid, includefield: 'ModalitiesInStudy' },
    });
    // Orthanc's client API turns the DICOM JSON answer into its own format, one value per tag.
    const value = (x: any) => String(Array.isArray(x?.Value) ? x.Value[0] : (x?.Value ?? x));
    expect(found).toHaveLength(1);
    expect(value(found[0]['0020000D'])).toBe(studyUid);
    expect(value(found[0]['00080061'])).toBe('CT');
  });

  it('Orthanc retrieves the study back from us by WADO-RS, identical in UIDs and pixel data', async () => {
    const local = await orthanc.rest<any[]>('POST', '/tools/lookup', studyUid);
    await orthanc.rest('DELETE', `/studies/${local.find((x) => x.Type === 'Study').ID}`);
    expect(await orthanc.rest<string[]>('GET', '/instances')).toEqual([]);
    await orthanc.rest('POST', '/dicom-web/servers/telestroke/retrieve', { Resources: [{ Study: studyUid }] });
    const ids = await orthanc.rest<string[]>('GET', '/instances');
    expect(ids).toHaveLength(study.length);
    for (const id of ids) {
      const res = await fetch(`${orthanc.url}/instances/${id}/file`);
      const e = essence(new Uint8Array(await res.arrayBuffer()));
      expect(e).toEqual(originals.get(e.sop!));
    }
  });
});
