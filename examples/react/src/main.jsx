import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ParcoursProvider } from './parcours.jsx';
import { App } from './App.jsx';

// Defined once, outside the components: the provider starts Parcours with it.
const options = {
  endpoint: '/v1/batch',
  writeKey: 'react_example',
  surveys: [
    {
      id: 'order-csat',
      questions: [{ type: 'csat', text: 'How was ordering today?' }],
    },
  ],
};

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '')}>
      <ParcoursProvider options={options}>
        <App />
      </ParcoursProvider>
    </BrowserRouter>
  </StrictMode>,
);
