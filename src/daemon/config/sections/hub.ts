/**
 * `hub:` inside a VRF: the hub role of a hub-and-spoke VPN (RFC 7024 V-hub).
 * The VRF imports the spoke route targets with its `import`, and announces
 * `announce` (a default route or the VPN's aggregates) with its `export`
 * (the hub route target). `rules` is the per-target processing table.
 */
import { formatPrefix, type Prefix } from '../../../bgp/wire/values/prefix';
import { HUB_ACTIONS, type HubConfig, type HubRuleConfig } from '../model';
import { field, locatedListField, nameValue, oneOrListField, prefixValue } from '../values';
import { MapReader } from '../yaml-reader';

const HUB_KEYS = ['announce', 'rules'];
const RULE_KEYS = ['name', 'destination', 'client', 'action', 'rate', 'burst'];
const MAX_RATE = 100_000_000;

function readRule(reader: MapReader): HubRuleConfig | undefined {
  const { diag } = reader.src;
  const name = reader.require('name') ? field(reader, 'name', nameValue) : undefined;
  const destination = oneOrListField(reader, 'destination', prefixValue)?.map((x) => x.value);
  const client = oneOrListField(reader, 'client', prefixValue)?.map((x) => x.value);
  const action = reader.require('action') ? reader.enumOf('action', HUB_ACTIONS) : undefined;
  let rate: number | null | undefined = reader.has('rate') ? reader.integer('rate', 1, MAX_RATE) : null;
  let burst: number | null | undefined = reader.has('burst') ? reader.integer('burst', 1, MAX_RATE) : null;
  if (action === 'rate-limit' && !reader.has('rate')) {
    diag.error(reader.line, `rule '${name ?? ''}' with action rate-limit needs a rate (packets per second)`);
    rate = undefined;
  }
  if (action !== undefined && action !== 'rate-limit') {
    for (const key of ['rate', 'burst'] as const) {
      if (!reader.has(key)) continue;
      diag.error(reader.keyLine(key), `${key} applies only to action rate-limit, not ${action}`);
      if (key === 'rate') rate = undefined;
      else burst = undefined;
    }
  }
  if (name === undefined || !destination || !client || action === undefined || rate === undefined || burst === undefined) return undefined;
  return { name, destination, client, action, rate, burst };
}

/** A terminal rule that matches everything makes every later rule dead: almost always an ordering mistake. */
function checkShadowing(rules: readonly { rule: HubRuleConfig; line: number }[], reader: MapReader): void {
  const catchAll = rules.find((r) => r.rule.action !== 'count' && r.rule.destination.length === 0 && r.rule.client.length === 0);
  if (!catchAll) return;
  for (const r of rules) {
    if (r.line <= catchAll.line) continue;
    reader.src.diag.warning(r.line, `hub rule '${r.rule.name}' is never reached: rule '${catchAll.rule.name}' at line ${catchAll.line} matches every packet`);
  }
}

function readRules(reader: MapReader): HubRuleConfig[] | undefined {
  const items = reader.list('rules');
  if (items === undefined) return reader.has('rules') ? undefined : [];
  const out: { rule: HubRuleConfig; line: number }[] = [];
  const names = new Map<string, number>();
  let ok = true;
  for (const item of items) {
    const r = MapReader.open(reader.src, item.node, 'hub rule', RULE_KEYS, item.line);
    const rule = r ? readRule(r) : undefined;
    if (!r || !rule) {
      ok = false;
      continue;
    }
    const seen = names.get(rule.name);
    if (seen !== undefined) reader.src.diag.error(r.valueLine('name'), `hub rule name '${rule.name}' is used twice (first at line ${seen})`);
    else names.set(rule.name, r.valueLine('name'));
    out.push({ rule, line: r.line });
  }
  checkShadowing(out, reader);
  return ok ? out.map((x) => x.rule) : undefined;
}

function readAnnounce(reader: MapReader): Prefix[] | undefined {
  const list = locatedListField(reader, 'announce', prefixValue);
  if (!list) return undefined;
  const seen = new Map<string, number>();
  for (const p of list) {
    const text = formatPrefix(p.value);
    const first = seen.get(text);
    if (first !== undefined) reader.src.diag.error(p.line, `hub announces ${text} twice (first at line ${first})`);
    else seen.set(text, p.line);
  }
  return list.map((x) => x.value);
}

/**
 * The `hub` map of a VRF; `exports` and `imports` say whether the VRF has
 * export and import route targets (a hub without export targets announces to
 * nobody, so that is an error; one without import targets hears no spoke).
 */
export function readHub(vrf: MapReader, vrfName: string | undefined, exports: boolean, imports: boolean): HubConfig | null | undefined {
  if (!vrf.has('hub')) return null;
  const reader = vrf.map('hub', 'hub', HUB_KEYS);
  if (!reader) return undefined;
  const announce = readAnnounce(reader);
  const rules = readRules(reader);
  const name = vrfName ?? '';
  if (!exports) vrf.src.diag.error(vrf.keyLine('hub'), `hub VRF '${name}' needs export route targets: its announcements carry them (the hub route target)`);
  if (!imports) vrf.src.diag.warning(vrf.keyLine('hub'), `hub VRF '${name}' imports no route target, so it learns no spoke route`);
  if (!announce || !rules || !exports) return undefined;
  return { announce, rules };
}
