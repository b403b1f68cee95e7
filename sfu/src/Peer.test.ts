import type { SfuNotification } from '@telestroke/shared';
import { SFU_CLOSE_CODES } from '@telestroke/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Peer } from './Peer';
import type { PeerCloseReason, PeerConnection, PeerIdentity } from './PeerTypes';

const IDENTITY: PeerIdentity = {
  userId: '0b7c7a6e-2f53-4c36-9d7e-3a1f2b4c5d6e',
  displayName: 'Dr Ward',
  role: 'ward_doctor',
};
const CAPS = { codecs: [], headerExtensions: [] };

class FakeConnection implements PeerConnection {
  readonly sent: SfuNotification[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  notify(notification: SfuNotification): void {
    this.sent.push(notification);
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
}

async function peerWith(connection: PeerConnection, reconnectGraceMs = 1000) {
  const peer = await Peer.create({ identity: IDENTITY, connection, reconnectGraceMs });
  const reasons: PeerCloseReason[] = [];
  peer.on('closed', (reason) => reasons.push(reason));
  return { peer, reasons };
}

describe('Peer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Peer.detach() of a joined peer closes it with graceExpired once reconnectGraceMs have passed', async () => {
    vi.useFakeTimers();
    const { peer, reasons } = await peerWith(new FakeConnection());
    const connection = new FakeConnection();
    peer.attach(connection, IDENTITY);
    peer.join(CAPS, undefined);

    peer.detach(connection);
    expect(peer.connected).toBe(false);
    vi.advanceTimersByTime(999);
    expect(peer.closed).toBe(false);
    vi.advanceTimersByTime(1);

    expect(peer.closed).toBe(true);
    expect(reasons).toEqual(['graceExpired']);
  });

  it('Peer.attach() during the grace period keeps the peer, takes the new identity and stops the timer', async () => {
    vi.useFakeTimers();
    const first = new FakeConnection();
    const { peer, reasons } = await peerWith(first);
    peer.join(CAPS, 360);
    peer.detach(first);
    vi.advanceTimersByTime(500);

    const second = new FakeConnection();
    peer.attach(second, { ...IDENTITY, displayName: 'Dr Ward (tablet)' });
    vi.advanceTimersByTime(5000);

    expect(reasons).toEqual([]);
    expect(peer.info.displayName).toBe('Dr Ward (tablet)');
    expect(peer.joined).toBe(true);
    expect(first.closes).toEqual([]);
  });

  it('Peer.attach() while connected closes the previous channel with REPLACED', async () => {
    const first = new FakeConnection();
    const { peer } = await peerWith(first);
    peer.attach(new FakeConnection(), IDENTITY);
    expect(first.closes).toEqual([{ code: SFU_CLOSE_CODES.REPLACED, reason: 'replaced by a new connection' }]);
    expect(peer.connected).toBe(true);
  });

  it('Peer.detach() of a channel that was already replaced is ignored', async () => {
    const first = new FakeConnection();
    const { peer, reasons } = await peerWith(first);
    peer.join(CAPS, undefined);
    peer.attach(new FakeConnection(), IDENTITY);
    peer.detach(first);
    expect(peer.connected).toBe(true);
    expect(reasons).toEqual([]);
  });

  it('Peer.detach() of a peer that never joined closes it at once with neverJoined', async () => {
    const connection = new FakeConnection();
    const { peer, reasons } = await peerWith(connection);
    peer.detach(connection);
    expect(reasons).toEqual(['neverJoined']);
  });

  it('Peer.join() a second time reports a rejoin', async () => {
    const { peer } = await peerWith(new FakeConnection());
    expect(peer.join(CAPS, undefined)).toEqual({ rejoined: false });
    expect(peer.join(CAPS, 720)).toEqual({ rejoined: true });
    expect(peer.tileHeight).toBe(720);
  });

  it('Peer.close() twice emits closed once and closes the channel with the code of the reason', async () => {
    const connection = new FakeConnection();
    const { peer, reasons } = await peerWith(connection);
    peer.close('left');
    peer.close('roomClosed');
    expect(reasons).toEqual(['left']);
    expect(connection.closes).toEqual([{ code: SFU_CLOSE_CODES.LEFT, reason: 'left' }]);
    peer.notify({ notification: 'peerLeft', data: { peerId: peer.id } });
    expect(connection.sent).toEqual([]);
  });

  it('Peer.close() for a server shutdown closes the channel with 1001 so that the client comes back', async () => {
    const connection = new FakeConnection();
    const { peer } = await peerWith(connection);
    peer.close('serverShutdown');
    expect(connection.closes).toEqual([{ code: 1001, reason: 'server shutting down' }]);
  });
});
