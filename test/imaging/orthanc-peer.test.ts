import { describe, expect, it } from 'vitest';
import { OrthancPeer } from '../peers/OrthancPeer';

describe('OrthancPeer', () => {
  it('OrthancPeer.create() starts Debian Orthanc 1.10 with the DICOMweb plugin, and close() removes it', async () => {
    const orthanc = await OrthancPeer.create();
    try {
      const system = await orthanc.rest('GET', '/system');
      expect(system.Version).toMatch(/^1\.10\./);
      expect(await orthanc.rest('GET', '/plugins')).toContain('dicom-web');
    } finally {
      await orthanc.close();
      await orthanc.close();
    }
    await expect(fetch(`${orthanc.url}/system`)).rejects.toThrow();
  });
});
