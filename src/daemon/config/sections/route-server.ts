/** `route-server`: the central import and export policy of a route server (RFC 7947), for every route-server client. */
import { NO_ROUTE_SERVER_POLICY } from '../defaults';
import type { RouteServerConfig } from '../model';
import type { MapReader } from '../yaml-reader';
import { policyRefsField } from './policies';

export function readRouteServer(root: MapReader, policies: ReadonlySet<string>): RouteServerConfig | undefined {
  if (!root.has('route-server')) return NO_ROUTE_SERVER_POLICY;
  const rs = root.map('route-server', 'route-server', ['import-policy', 'export-policy']);
  if (!rs) return undefined;
  const importPolicy = policyRefsField(rs, 'import-policy', policies);
  const exportPolicy = policyRefsField(rs, 'export-policy', policies);
  if (importPolicy === undefined || exportPolicy === undefined) return undefined;
  return { importPolicy, exportPolicy };
}
