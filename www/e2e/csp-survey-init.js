// Starts Parcours with a survey; ?nonce=… passes the page's nonce (or not).
parcours.init({
  endpoint: '/v1/batch',
  nonce: new URLSearchParams(location.search).get('nonce') || undefined,
  surveys: [{ id: 'nps', questions: [{ type: 'nps' }] }],
});
