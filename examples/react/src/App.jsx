import { useState } from 'react';
import { Link, Route, Routes } from 'react-router';
import { useParcours } from './parcours.jsx';

export function App() {
  return (
    <>
      <nav aria-label="Shop">
        <Link to="/">Coffees</Link> · <Link to="/checkout">Checkout</Link>
      </nav>
      <main>
        <Routes>
          <Route path="/" element={<Coffees />} />
          <Route path="/checkout" element={<Checkout />} />
        </Routes>
      </main>
    </>
  );
}

function Coffees() {
  return (
    <>
      <h1>Coffees</h1>
      <p>Ethiopia Guji, washed. 250 g, €14.50.</p>
    </>
  );
}

/** An action, then a survey about it: track the order, then ask how it went. */
function Checkout() {
  const { track, survey } = useParcours();
  const [ordered, setOrdered] = useState(false);
  const placeOrder = () => {
    track('Order Completed', { total: 14.5, currency: 'EUR' });
    setOrdered(true);
    survey.show('order-csat');
  };
  return (
    <>
      <h1>Checkout</h1>
      {ordered ? <p role="status">Thank you, your order is on its way.</p> : <button onClick={placeOrder}>Place order</button>}
    </>
  );
}
