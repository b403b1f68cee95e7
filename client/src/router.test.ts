import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from './router';

describe('parseRoute()', () => {
  it('parseRoute() of an empty or root hash is home', () => {
    for (const hash of ['', '#', '#/', '#//']) expect(parseRoute(hash)).toEqual({ name: 'home' });
  });

  it('parseRoute() of #/admin with and without a site code', () => {
    expect(parseRoute('#/admin')).toEqual({ name: 'admin', siteCode: null });
    expect(parseRoute('#/admin/')).toEqual({ name: 'admin', siteCode: null });
    expect(parseRoute('#/admin/MACON')).toEqual({ name: 'admin', siteCode: 'MACON' });
  });

  it('parseRoute() of anything else, or of bad percent-encoding, is notFound', () => {
    expect(parseRoute('#/nope')).toEqual({ name: 'notFound' });
    expect(parseRoute('#/admin/A/B')).toEqual({ name: 'notFound' });
    expect(parseRoute('#/admin/%E0%A4%A')).toEqual({ name: 'notFound' });
  });

  it('parseRoute() of #/studies/{uid} opens the viewer on a DICOM UID, and nothing else', () => {
    expect(parseRoute('#/studies/1.2.840.113619.2.55.3')).toEqual({ name: 'study', studyInstanceUid: '1.2.840.113619.2.55.3' });
    expect(parseRoute(hrefFor({ name: 'study', studyInstanceUid: '2.25.42' }))).toEqual({ name: 'study', studyInstanceUid: '2.25.42' });
    for (const bad of ['#/studies', '#/studies/1..2', '#/studies/abc', '#/studies/1.2/x', `#/studies/${'1.'.repeat(40)}1`]) {
      expect(parseRoute(bad)).toEqual({ name: 'notFound' });
    }
  });

  it('parseRoute() of #/metrics is the metrics dashboard, and nothing below it', () => {
    expect(parseRoute('#/metrics')).toEqual({ name: 'metrics' });
    expect(parseRoute(hrefFor({ name: 'metrics' }))).toEqual({ name: 'metrics' });
    expect(parseRoute('#/metrics/x')).toEqual({ name: 'notFound' });
  });

  it('hrefFor() and parseRoute() round-trip', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'admin', siteCode: null },
      { name: 'admin', siteCode: 'CHU_DIJON-2' },
    ];
    for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});
