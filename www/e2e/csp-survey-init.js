// Starts Parcours with a survey; ?nonce=… passes the page's nonce (or not).
parcours.init({
  endpoint: '/v1/batch',
  nonce: new URLSearchParams(location.search).get('nonce') || undefined,
  surveys: [{ id: 'nps', theme: { brand: '#7a1f5c' }, questions: [{ type: 'nps' }] }],
});
