import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from '../router';

const ID = '3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b';

describe('case routes', () => {
  it('parseRoute() of #/cases/{id} is the case screen, lower-cased', () => {
    expect(parseRoute(`#/cases/${ID}`)).toEqual({ name: 'case', id: ID });
    expect(parseRoute(`#/cases/${ID.toUpperCase()}`)).toEqual({ name: 'case', id: ID });
  });

  it('parseRoute() of a case path that is not one id is notFound', () => {
    for (const bad of ['#/cases', '#/cases/42', `#/cases/${ID}/x`]) expect(parseRoute(bad)).toEqual({ name: 'notFound' });
  });

  it('hrefFor() and parseRoute() round-trip the case screen', () => {
    expect(hrefFor({ name: 'case', id: ID })).toBe(`#/cases/${ID}`);
    expect(parseRoute(hrefFor({ name: 'case', id: ID }))).toEqual({ name: 'case', id: ID });
  });
});
