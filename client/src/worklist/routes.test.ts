import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from '../router';

const ID = '3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b';

describe('worklist routes', () => {
  it('parseRoute() of the worklist and of one read', () => {
    expect(parseRoute('#/worklist')).toEqual({ name: 'worklist' });
    expect(parseRoute('#/worklist/')).toEqual({ name: 'worklist' });
    expect(parseRoute(`#/worklist/${ID.toUpperCase()}`)).toEqual({ name: 'worklistRead', id: ID });
  });

  it('parseRoute() of a worklist path that is not an id, or too long, is notFound', () => {
    expect(parseRoute('#/worklist/42')).toEqual({ name: 'notFound' });
    expect(parseRoute(`#/worklist/${ID}/report`)).toEqual({ name: 'notFound' });
  });

  it('hrefFor() and parseRoute() round-trip the worklist screens', () => {
    const routes: Route[] = [{ name: 'worklist' }, { name: 'worklistRead', id: ID }];
    for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route);
  });
});
