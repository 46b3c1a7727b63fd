/*
 * The order page, with JavaScript on: the hold's countdown ticks, the page follows the order until
 * it is paid, expired or cancelled, and the card form uses Stripe.js Elements so that the card
 * number goes straight to Stripe; only the PaymentMethod id is posted to us.
 * Without JavaScript the page still works: it shows the time left when it was rendered.
 */
(function () {
  'use strict';

  const order = document.getElementById('order');
  if (!order) return;
  let paying = false;

  // --- Countdown ---------------------------------------------------------------------------------
  // Counts down from the server's "seconds left", so a wrong clock on this computer doesn't matter.
  const countdown = document.getElementById('countdown');
  if (countdown) {
    const deadline = performance.now() + Number(countdown.dataset.secondsLeft) * 1000;
    const timeLeft = document.getElementById('time-left');
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
      timeLeft.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
      if (seconds === 0) {
        clearInterval(timer);
        countdown.textContent = 'The hold is ending…';
      }
    };
    const timer = setInterval(tick, 1000);
    tick();
  }

  // --- Live status -------------------------------------------------------------------------------
  // While the ticket is held, ask the API every two seconds; once the order is paid, expired or
  // cancelled (here or in another tab), reload to show the server's page for it.
  if (order.dataset.state === 'held') {
    const poll = async () => {
      try {
        const response = await fetch(`/api/orders/${order.dataset.orderId}`, {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' },
        });
        if (response.ok) {
          const body = await response.json();
          if ((body.status === 'complete' || body.status === 'cancelled') && !paying) {
            window.location.reload();
            return;
          }
        }
      } catch (networkError) {
        // Offline for a moment: try again on the next tick.
      }
      setTimeout(poll, 2000);
    };
    setTimeout(poll, 2000);
  }

  // --- Card form ---------------------------------------------------------------------------------
  const form = document.getElementById('payment-form');
  if (!form) return;
  const errors = document.getElementById('card-errors');
  const button = document.getElementById('pay-button');
  if (typeof window.Stripe !== 'function') {
    errors.textContent = 'The card form could not load. Reload the page to try again.';
    button.disabled = true;
    return;
  }
  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  card.on('change', (event) => {
    errors.textContent = event.error ? event.error.message : '';
  });

  const label = button.textContent;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (paying) return;
    paying = true;
    button.disabled = true;
    button.textContent = 'Paying…';
    const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card });
    if (error) {
      errors.textContent = error.message;
      paying = false;
      button.disabled = false;
      button.textContent = label;
      return;
    }
    document.getElementById('payment-method').value = paymentMethod.id;
    form.submit();
  });
}());
