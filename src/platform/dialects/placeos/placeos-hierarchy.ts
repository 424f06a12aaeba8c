/**
 * The zone hierarchy of PlaceOS state topics (`dialects.placeos.hierarchy`, default `org building level
 * area`): which zone fills which level for a system, and which zone is the org (the first level, the
 * top-level scope) of a zone or a system.
 *
 * A zone fills the level its tags name (PlaceOS's rule: a zone is a hierarchy level when its tags
 * include the level's name; with several such tags, the level that comes first in the hierarchy); a
 * zone with no such tag fills the level named by its type (`region`, `building`, `level`, `area`,
 * `space`). The org has no zone type: it is the zone tagged `org` (usually a top-level region).
 *
 * A system's zones are its own (`zoneIds`, in order), each followed by its ancestors, nearest first;
 * the first zone found for a level fills it. A level no zone fills is missing (`_` in topics).
 * @module
 */

import { ConfigError } from "../../../errors.js";
import type { System, Zone } from "../../registry/model.js";
import type { RegistryView } from "../../registry/registry-view.js";

/** The levels of a state topic after the zones, which a hierarchy level must not be named. */
export const FIXED_LEVELS = ["system", "driver", "module", "index", "state"] as const;
const LEVEL_NAME = /^[a-z][a-z0-9_]{0,31}$/;

export class PlaceosHierarchy {
  /** The level names, the org first. */
  readonly levels: readonly string[];

  /** Throws a ConfigError (`dialects.placeos.hierarchy`) for an empty list, a repeat or a bad name. */
  constructor(levels: readonly string[]) {
    const problem = hierarchyProblem(levels);
    if (problem !== undefined)
      throw ConfigError.fromIssues([
        {
          path: "dialects.placeos.hierarchy",
          message: `"dialects.placeos.hierarchy" ${problem}`,
          source: undefined,
        },
      ]);
    this.levels = [...levels];
  }

  /** The level `zone` fills (an index into {@link levels}), or undefined. */
  levelOf(zone: Zone): number | undefined {
    const levels = this.levels;
    if (zone.tags.length > 0)
      for (let i = 0; i < levels.length; i++) if (zone.tags.includes(levels[i]!)) return i;
    const byType = levels.indexOf(zone.type);
    return byType < 0 ? undefined : byType;
  }

  /** Whether `zone` is an org (fills the first level). */
  isOrg(zone: Zone): boolean {
    return this.levelOf(zone) === 0;
  }

  /** The zone filling each level for `system` (undefined where none does); the org is at 0. */
  systemZones(registry: RegistryView, system: System): (Zone | undefined)[] {
    const filled: (Zone | undefined)[] = new Array<Zone | undefined>(this.levels.length).fill(undefined);
    let missing = this.levels.length;
    const consider = (zone: Zone): void => {
      const level = this.levelOf(zone);
      if (level !== undefined && filled[level] === undefined) {
        filled[level] = zone;
        missing--;
      }
    };
    for (const zoneId of system.zoneIds) {
      const zone = registry.zone(zoneId);
      if (zone === undefined || zone.tenant !== system.tenant) continue;
      consider(zone);
      for (const ancestor of registry.zoneAncestors(zoneId)) {
        if (missing === 0) return filled;
        consider(ancestor);
      }
      if (missing === 0) break;
    }
    return filled;
  }

  /** The org of a zone: the zone itself when it is one, else the nearest ancestor that is. */
  zoneOrg(registry: RegistryView, zone: Zone): Zone | undefined {
    if (this.isOrg(zone)) return zone;
    for (const ancestor of registry.zoneAncestors(zone.id)) if (this.isOrg(ancestor)) return ancestor;
    return undefined;
  }
}

/** Why `levels` cannot be a hierarchy, or undefined. */
export function hierarchyProblem(levels: readonly string[]): string | undefined {
  if (levels.length === 0) return "must name at least one level (the org)";
  const seen = new Set<string>();
  for (const level of levels) {
    if (!LEVEL_NAME.test(level) || (FIXED_LEVELS as readonly string[]).includes(level))
      return `cannot have the level ${JSON.stringify(level)}: levels are lower-case names (a-z, 0-9, _) other than ${FIXED_LEVELS.join(", ")}`;
    if (seen.has(level)) return `names the level ${JSON.stringify(level)} twice`;
    seen.add(level);
  }
  return undefined;
}
