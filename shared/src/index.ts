export * from './errors';
export * from './auth';
export * from './audit';
export * from './realtime';
export * from './dicom';
export * from './signaling';
export * from './consult';
