import { routes, type RouteDefinition } from './routes';

interface CompiledRoute {
  readonly definition: RouteDefinition;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

export type RouteMatch =
  | { readonly kind: 'matched'; readonly route: RouteDefinition; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/** Parameters match one raw (still percent-encoded) segment, so an encoded slash never spans segments. */
function compile(definition: RouteDefinition): CompiledRoute {
  const paramNames: string[] = [];
  const source = definition.route
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return { definition, pattern: new RegExp(`^${source}$`), paramNames };
}

const compiled = routes.filter((route) => route.target.kind !== 'fallback').map(compile);

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed escapes stay raw and fail the parameter's own validation
  }
}

/** Finds the route for a path below the `api` prefix (without a leading slash). */
export function matchRoute(method: string, path: string): RouteMatch {
  const allowed = new Set<string>();
  for (const route of compiled) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    if (route.definition.methods.includes(method.toUpperCase() as RouteDefinition['methods'][number])) {
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, index) => {
        params[name] = decodeSegment(found[index + 1] ?? '');
      });
      return { kind: 'matched', route: route.definition, params };
    }
    route.definition.methods.forEach((allowedMethod) => allowed.add(allowedMethod));
  }
  return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
}
