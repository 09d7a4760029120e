/** The interop lab: namespaces, real BGP daemons, their CLIs parsed into one typed shape. */
export { Lab, LabNode } from './netns';
export type { LabOptions } from './netns';
export { LabProcess, run, runOk, tail } from './proc';
export * from './types';
export { waitFor, holdsFor, sleep, WaitTimeout } from './wait';
export type { WaitOptions } from './wait';
export { Peer } from './peers/peer';
export type { PeerKind, RouteQuery } from './peers/peer';
export { GobgpPeer } from './peers/gobgp';
export { BirdPeer, birdProtocolName } from './peers/bird';
export { FrrPeer } from './peers/frr';
export { OpenbgpdPeer } from './peers/openbgpd';
export { ExabgpPeer } from './peers/exabgp';
export { startPeer } from './start';
export type { PeerClasses } from './start';
