import { describe, expect, it } from 'vitest';
import { RotaOrHubStaff, type OnCallAssignment, type OnCallDirectory } from './oncall';

// Plain directories stand in for the rota and the hub's staff: this is only the choice between them. The rota's own
// queries are tested on PostgreSQL in scheduling/rota.test.ts, the hub's readers in worklist.timer.test.ts.
const fixed = (a: OnCallAssignment): OnCallDirectory => ({ onCall: async () => a });
const hubStaff = fixed({ primary: ['reader-1', 'reader-2'], backup: [] });

describe('RotaOrHubStaff.onCall()', () => {
  it('with a shift covering the time answers the shift', async () => {
    const rota = fixed({ primary: ['on-call'], backup: ['backup'] });
    expect(await new RotaOrHubStaff(rota, hubStaff).onCall('hub', 'urgent_read', new Date())).toEqual({
      primary: ['on-call'],
      backup: ['backup'],
    });
  });

  it('without a shift answers every reader of the hub', async () => {
    const rota = fixed({ primary: [], backup: [] });
    expect((await new RotaOrHubStaff(rota, hubStaff).onCall('hub', 'urgent_read', new Date())).primary).toEqual([
      'reader-1',
      'reader-2',
    ]);
  });

  it('when the rota cannot be read answers every reader of the hub', async () => {
    const broken: OnCallDirectory = { onCall: async () => Promise.reject(new Error('connection lost')) };
    expect((await new RotaOrHubStaff(broken, hubStaff).onCall('hub', 'urgent_read', new Date())).primary).toHaveLength(2);
  });
});
