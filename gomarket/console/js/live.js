// Subscriptions over graphql-transport-ws (the protocol of the `graphql-ws` library), with the
// user's token in `connection_init`. A dropped connection comes back by itself, refreshing the
// session first when that is what ended it.

import { accessToken, refresh } from './api.js';

/**
 * Subscribes to `query`; `onData(data)` for every result, `onError(message)` for a refusal.
 * Returns a function that ends the subscription.
 */
export function subscribe(query, variables, onData, onError) {
  let socket = null;
  let stopped = false;
  let attempt = 0;
  const open = () => {
    if (stopped) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
    socket = new WebSocket(url, 'graphql-transport-ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${accessToken()}` } }));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        attempt = 0;
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      } else if (message.type === 'next' && message.payload) {
        if (message.payload.errors && message.payload.errors.length) onError(message.payload.errors[0].message);
        if (message.payload.data) onData(message.payload.data);
      } else if (message.type === 'error') {
        onError((message.payload && message.payload[0] && message.payload[0].message) || 'подписка отклонена');
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    };
    socket.onclose = async (event) => {
      if (stopped) return;
      // 4401/4403: the token was refused; anything else: the network or a restart.
      if (event.code === 4401 || event.code === 4403 || event.code === 4400) await refresh().catch(() => false);
      attempt += 1;
      setTimeout(open, Math.min(30_000, 500 * 2 ** attempt));
    };
  };
  open();
  return () => {
    stopped = true;
    if (socket) socket.close(1000);
  };
}
