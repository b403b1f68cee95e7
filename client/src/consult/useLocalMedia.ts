import { useCallback, useEffect, useRef, useState } from 'react';

export type MediaProblem = 'denied' | 'notFound' | 'failed';

export interface LocalMedia {
  camera: MediaStreamTrack | null;
  microphone: MediaStreamTrack | null;
  /** Why a device is missing, if one is. */
  problem: MediaProblem | null;
  /** True until the first request for devices has settled. */
  starting: boolean;
  /** Cameras and microphones, once the browser lists them (labels only after a permission). */
  devices: MediaDeviceInfo[];
  /** Picks another camera or microphone; the previous track is stopped once the new one runs. */
  switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void>;
}

/** 720p for the top simulcast layer; the browser gives less when the camera cannot. */
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

function problemOf(err: unknown): MediaProblem {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'notFound';
  return 'failed';
}

/**
 * The local camera and microphone for a call, asked for on mount and stopped on unmount. A missing or refused camera
 * does not stop the microphone (or the other way round): the call goes on with what there is.
 */
export function useLocalMedia(): LocalMedia {
  const [camera, setCamera] = useState<MediaStreamTrack | null>(null);
  const [microphone, setMicrophone] = useState<MediaStreamTrack | null>(null);
  const [problem, setProblem] = useState<MediaProblem | null>(null);
  const [starting, setStarting] = useState(true);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const tracks = useRef<{ camera: MediaStreamTrack | null; microphone: MediaStreamTrack | null }>({
    camera: null,
    microphone: null,
  });

  const refreshDevices = useCallback(async () => {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      setDevices(all.filter((d) => d.kind === 'videoinput' || d.kind === 'audioinput'));
    } catch {
      setDevices([]);
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    const media = navigator.mediaDevices;
    if (!media?.getUserMedia) {
      setProblem('failed');
      setStarting(false);
      return;
    }
    const adopt = (stream: MediaStream) => {
      if (cancelled) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      const video = stream.getVideoTracks()[0] ?? null;
      const audio = stream.getAudioTracks()[0] ?? null;
      if (video) tracks.current.camera = video;
      if (audio) tracks.current.microphone = audio;
      setCamera(tracks.current.camera);
      setMicrophone(tracks.current.microphone);
    };
    (async () => {
      try {
        adopt(await media.getUserMedia({ video: VIDEO, audio: AUDIO }));
      } catch (both) {
        // One device may be the problem: try each alone, so the other still works.
        let failure: unknown = both;
        for (const constraints of [{ audio: AUDIO }, { video: VIDEO }]) {
          try {
            adopt(await media.getUserMedia(constraints));
          } catch (err) {
            failure = err;
          }
        }
        if (!cancelled) setProblem(problemOf(failure));
      }
      if (!cancelled) {
        setStarting(false);
        void refreshDevices();
      }
    })();
    media.addEventListener?.('devicechange', refreshDevices);
    return () => {
      cancelled = true;
      media.removeEventListener?.('devicechange', refreshDevices);
      tracks.current.camera?.stop();
      tracks.current.microphone?.stop();
      tracks.current = { camera: null, microphone: null };
    };
  }, [refreshDevices]);

  const switchDevice = useCallback(async (kind: 'camera' | 'microphone', deviceId: string) => {
    const constraints =
      kind === 'camera'
        ? { video: { ...VIDEO, deviceId: { exact: deviceId } } }
        : { audio: { ...AUDIO, deviceId: { exact: deviceId } } };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = (kind === 'camera' ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
    if (!track) return;
    const previous = tracks.current[kind];
    if (previous) track.enabled = previous.enabled;
    tracks.current[kind] = track;
    if (kind === 'camera') setCamera(track);
    else setMicrophone(track);
    setProblem(null);
    // Stopped after the swap, so the room replaces it without a gap.
    setTimeout(() => previous?.stop(), 500);
  }, []);

  return { camera, microphone, problem, starting, devices, switchDevice };
}
