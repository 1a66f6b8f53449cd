// GraphiQL, served from the binary (no CDN), signed in with the console's session of this tab
// when there is one: its access token is put in the request headers, where it can be seen and
// changed like any header.

import { accessToken, resume } from './api.js';

const signedIn = await resume();
const headers = signedIn ? JSON.stringify({ Authorization: `Bearer ${accessToken()}` }, null, 2) : undefined;
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
const fetcher = GraphiQL.createFetcher({
  url: '/graphql',
  subscriptionUrl: wsUrl,
  wsConnectionParams: signedIn ? { Authorization: `Bearer ${accessToken()}` } : {},
});
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    headers,
    defaultQuery: '# GoMarket GraphQL API. Try:\n{\n  me { email roles }\n  products(first: 5) { totalCount nodes { sku title priceKopecks } }\n}\n',
  }),
);
