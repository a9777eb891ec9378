// Starting Parcours from a file, as a strict policy requires (no inline script).
parcours.init({ endpoint: '/v1/batch', flushInterval: 200 });
