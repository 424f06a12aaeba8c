/**
 * The payloads of the Gooee seed (002), verbatim, for the ids of the test world.
 * @module
 */

import { IDS } from "./gooee-world.js";

const TIME = "2016-08-09T20:00:47.539000Z";

/** `devices/(:id)/meta` example. */
export const META = [
  { name: "temperature", display_name: "Temperature", value: 87.4, unit_of_measure: "C", timestamp: TIME },
  { name: "als", value: 87, unit_of_measure: "K", timestamp: TIME },
];

/** `devices/(:id)/meta/(:name)` example: what `temperature` derives. */
export const META_TEMPERATURE = { name: "temperature", value: 87.4, timestamp: TIME };

/** `devices/(:id)/actions` example. */
export const DEVICE_ACTION = {
  name: "Dim Device",
  type: "dim",
  target_type: "device",
  target_id: IDS.actionDevice,
  value: { level: 80, transition_time: 5 },
  created: TIME,
};

/** `devices/(:id)/actions/(:type)` example: the action without `type`. */
export const DEVICE_ACTION_DIM = {
  name: "Dim Device",
  target_type: "device",
  target_id: IDS.actionDevice,
  value: { level: 80, transition_time: 5 },
  created: TIME,
};

/** `devices/(:id)/fault_alarms` example. */
export const DEVICE_FAULT_ALARM = {
  id: "330de737-0f36-4b33-bc91-c4be5ddd4442",
  timestamp: "2020-02-17T15:47:53.046570Z",
  priority: 255,
  level: "info",
  type: "high_temperature",
  device: IDS.alarmDevice,
  notes: "Additional notes",
  value: { temp: 100 },
  description: "Temperature is above 90°F.",
};

/** `buildings/(:id)/fault_alarms` example (no `id`). */
export const BUILDING_FAULT_ALARM = {
  timestamp: "2020-02-17T15:47:53.046570Z",
  priority: 255,
  level: "info",
  type: "high_temperature",
  device: IDS.alarmDevice,
  notes: "Additional notes",
  value: { temp: 100 },
  description: "Temperature is above 90°F.",
};

/** `spaces/(:id)/actions` example. */
export const SPACE_ACTION = {
  name: "Turn Off the Office",
  type: "off",
  target_type: "space",
  target_id: IDS.space,
  value: { transition_time: 5 },
  created: TIME,
};

/** `spaces/(:id)/actions/(:type)` example. */
export const SPACE_ACTION_OFF = {
  name: "Turn Off the Office",
  target_type: "space",
  target_id: IDS.space,
  value: { transition_time: 5 },
  created: TIME,
};

/** The head count examples: `{"name": "headcount", "value": N}` (`headcount_in`, `headcount_out`). */
export function headCount(name: string, value: number): { name: string; value: number } {
  return { name: name === "head_count" ? "headcount" : name, value };
}

/** The "Rejected Topics" example: the published data, and the report, exactly as the seed prints it. */
export const REJECTED_META = [
  { name: "Meta_New", display_name: "Meta New", unit_of_measure: "Meters", value: 10 },
];
export const REJECTED_REPORT = {
  error: {
    message: 'Invalid payload due to regex pattern not matching.  Position: [0]/name. Value: "Meta_New".',
    context: {
      type: "string",
      title: "Name",
      pattern: "^(~?)(?!.*__.*)[a-z][a-z0-9_]+$",
      minLength: 1,
      maxLength: 100,
    },
  },
  data: REJECTED_META,
};
