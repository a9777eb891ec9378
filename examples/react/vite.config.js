import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Nothing Parcours-specific is needed with Vite 8 (see the README's bundler
// table). The dev server forwards /v1 to a collector on :8080 (`npm start`
// at the repository's root runs one).
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/v1': 'http://127.0.0.1:8080' },
    // This example installs the package from the repository's pkg/
    // ("file:../../pkg"), outside the app's folder, which the dev server
    // serves only when allowed. An app installing parcours from npm needs
    // nothing of the kind.
    fs: { allow: ['.', '../../pkg'] },
  },
});
