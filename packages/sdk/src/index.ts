export { init } from './tracker.js';
export type {
  AnyEvents,
  EventCatalogue,
  InitOptions,
  PropValue,
  Props,
  TrackArgs,
  Tracker,
  TrackerMethods,
  TrackerEvent,
} from './types.js';
