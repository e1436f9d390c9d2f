/** The app lives under this path; the local stack serves index.html for every route below it. */
export const BASE = '/examples/spa';

export interface Route {
  /** Path below BASE, with `:name` segments, e.g. `/products/:id`. */
  path: string;
  render: (params: Record<string, string>) => Node;
}

function match(route: Route, path: string): Record<string, string> | undefined {
  const want = route.path.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) params[want[i]!.slice(1)] = decodeURIComponent(have[i]!);
    else if (want[i] !== have[i]) return undefined;
  }
  return params;
}

/**
 * A minimal pushState router: in-app links (`data-link`) change the URL without a page
 * load. The tracker patches history.pushState, so each navigation is a page view.
 */
export function startRouter(routes: Route[], notFound: Route, outlet: HTMLElement): (path: string) => void {
  const render = () => {
    const path = location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/';
    for (const route of routes) {
      const params = match(route, path);
      if (params) return outlet.replaceChildren(route.render(params));
    }
    outlet.replaceChildren(notFound.render({}));
  };
  const navigate = (path: string) => {
    history.pushState(null, '', BASE + path);
    render();
    scrollTo(0, 0);
  };
  document.addEventListener('click', (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>('a[data-link]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(new URL(link.href).pathname.slice(BASE.length) || '/');
  });
  addEventListener('popstate', render);
  render();
  return navigate;
}
