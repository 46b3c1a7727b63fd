/*
 * A stand-in for Stripe.js v3, served by boxoffice's stripe-emulator at /js/v3/stripe.js.
 *
 * It implements only what a card checkout needs:
 *
 *   const stripe = Stripe('pk_test_…');
 *   const card = stripe.elements().create('card');
 *   card.mount('#card-element');
 *   card.on('change', (event) => showError(event.error));
 *   const { paymentMethod, error } = await stripe.createPaymentMethod({
 *     type: 'card', card, billing_details: { name: 'Ada' },
 *   });
 *   const { token, error } = await stripe.createToken(card);   // token.id: 'tok_…'
 *
 * Card details are sent to the emulator's POST /v1/payment_methods or POST /v1/tokens with the
 * publishable key, as real Stripe.js sends them to Stripe. The emulator lives wherever this script
 * was loaded from.
 * Plain ES2017, no dependencies.
 */
(function () {
  'use strict';

  const script = document.currentScript;
  // Everything before /js/v3/stripe.js, so the emulator may be mounted under any path.
  const API_BASE = script && script.src
    ? script.src.replace(/\/js\/v3\/stripe\.js(?:[?#].*)?$/, '')
    : window.location.origin;

  // --- Card rules, mirroring the emulator's server-side checks ---------------------------------

  function digitsOf(text) {
    return String(text || '').replace(/\D/g, '');
  }

  function luhnValid(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i += 1) {
      let digit = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    return sum % 10 === 0;
  }

  function cardBrand(digits) {
    if (/^4/.test(digits)) return 'visa';
    if (/^3[47]/.test(digits)) return 'amex';
    if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
    if (/^(6011|65)/.test(digits)) return 'discover';
    if (/^35/.test(digits)) return 'jcb';
    if (/^(30|36|38)/.test(digits)) return 'diners';
    if (/^62/.test(digits)) return 'unionpay';
    return 'unknown';
  }

  // "MM/YY", "MM / YY" or "MM/YYYY" → { month, year } with a four-digit year, or null.
  function parseExpiry(text) {
    const digits = digitsOf(text);
    if (digits.length !== 4 && digits.length !== 6) return null;
    const month = Number(digits.slice(0, 2));
    const year = digits.length === 4 ? 2000 + Number(digits.slice(2)) : Number(digits.slice(2));
    return { month, year };
  }

  function validationError(code, message) {
    return { type: 'validation_error', code, message };
  }

  // The first problem with the card fields, or null. Unless `strict`, a field that is merely
  // unfinished is not an error yet: the customer is still typing.
  function cardError(fields, strict) {
    const number = digitsOf(fields.number);
    const expiry = parseExpiry(fields.expiry);
    const cvc = digitsOf(fields.cvc);
    const now = new Date();

    const expectedLength = cardBrand(number) === 'amex' ? 15 : 16;
    if (number.length < expectedLength) {
      if (strict) return validationError('incomplete_number', 'Your card number is incomplete.');
    } else if (number.length > 19 || !luhnValid(number)) {
      return validationError('invalid_number', 'Your card number is invalid.');
    }
    if (!expiry) {
      if (strict) return validationError('incomplete_expiry', "Your card's expiration date is incomplete.");
    } else if (expiry.month < 1 || expiry.month > 12) {
      return validationError('invalid_expiry_month', "Your card's expiration date is invalid.");
    } else if (expiry.year < now.getFullYear()
      || (expiry.year === now.getFullYear() && expiry.month < now.getMonth() + 1)) {
      return validationError('invalid_expiry_year_past', "Your card's expiration date is in the past.");
    }
    if (cvc.length > 4) {
      return validationError('invalid_cvc', "Your card's security code is invalid.");
    }
    if (cvc.length < 3 && strict) {
      return validationError('incomplete_cvc', "Your card's security code is incomplete.");
    }
    return null;
  }

  // --- The card Element ------------------------------------------------------------------------

  const FIELDS = [
    { key: 'number', name: 'cardnumber', autocomplete: 'cc-number', placeholder: 'Card number', label: 'Card number', width: '1 1 12em' },
    { key: 'expiry', name: 'exp-date', autocomplete: 'cc-exp', placeholder: 'MM / YY', label: 'Expiration date (MM/YY)', width: '0 0 5.5em' },
    { key: 'cvc', name: 'cvc', autocomplete: 'cc-csc', placeholder: 'CVC', label: 'Security code (CVC)', width: '0 0 4em' },
  ];

  class CardElement {
    constructor() {
      this._handlers = {};
      this._host = null;
      this._container = null;
      this._inputs = {};
    }

    mount(target) {
      const host = typeof target === 'string' ? document.querySelector(target) : target;
      if (!host) throw new Error(`stripe-emulator: no element matches ${target}`);
      this.unmount();

      const container = document.createElement('div');
      container.setAttribute('data-stripe-emulator', 'card');
      container.style.display = 'flex';
      container.style.gap = '0.5em';
      for (const field of FIELDS) {
        const input = document.createElement('input');
        input.type = 'text';
        input.name = field.name;
        input.autocomplete = field.autocomplete;
        input.placeholder = field.placeholder;
        input.setAttribute('aria-label', field.label);
        input.inputMode = 'numeric';
        input.style.flex = field.width;
        input.style.minWidth = '0';
        input.addEventListener('input', () => this._changed(false));
        input.addEventListener('focus', () => this._focusChanged(true, null));
        input.addEventListener('blur', (event) => this._focusChanged(false, event.relatedTarget));
        this._inputs[field.key] = input;
        container.appendChild(input);
      }

      // Stripe styles the host through these classes, so pages' CSS keeps working.
      host.classList.add('StripeElement', 'StripeElement--empty');
      host.appendChild(container);
      this._host = host;
      this._container = container;
      setTimeout(() => this._emit('ready', { elementType: 'card' }), 0);
      return this;
    }

    unmount() {
      if (this._container) this._container.remove();
      if (this._host) {
        this._host.classList.remove('StripeElement', 'StripeElement--empty', 'StripeElement--complete',
          'StripeElement--invalid', 'StripeElement--focus');
      }
      this._host = null;
      this._container = null;
      this._inputs = {};
      return this;
    }

    destroy() {
      this.unmount();
      this._handlers = {};
    }

    on(event, handler) {
      (this._handlers[event] = this._handlers[event] || []).push(handler);
      return this;
    }

    off(event, handler) {
      this._handlers[event] = (this._handlers[event] || []).filter((h) => h !== handler);
      return this;
    }

    clear() {
      Object.keys(this._inputs).forEach((key) => { this._inputs[key].value = ''; });
      this._changed(false);
    }

    focus() {
      if (this._inputs.number) this._inputs.number.focus();
    }

    // Internal: what createPaymentMethod reads.
    _fields() {
      return {
        number: this._inputs.number ? this._inputs.number.value : '',
        expiry: this._inputs.expiry ? this._inputs.expiry.value : '',
        cvc: this._inputs.cvc ? this._inputs.cvc.value : '',
      };
    }

    _changed(strict) {
      const fields = this._fields();
      const empty = !digitsOf(fields.number) && !digitsOf(fields.expiry) && !digitsOf(fields.cvc);
      const error = cardError(fields, strict) || undefined;
      const complete = !cardError(fields, true);
      if (this._host) {
        this._host.classList.toggle('StripeElement--empty', empty);
        this._host.classList.toggle('StripeElement--complete', complete);
        this._host.classList.toggle('StripeElement--invalid', Boolean(error));
      }
      this._emit('change', {
        elementType: 'card', empty, complete, error, brand: cardBrand(digitsOf(fields.number)),
      });
    }

    // Moving between the three inputs is not leaving the Element, so only report focus and blur,
    // and check strictly, when focus enters from or goes to somewhere else.
    _focusChanged(focused, nextFocus) {
      if (!focused && this._container && this._container.contains(nextFocus)) return;
      if (this._host) this._host.classList.toggle('StripeElement--focus', focused);
      this._emit(focused ? 'focus' : 'blur', { elementType: 'card' });
      // Leaving the Element half-filled is when Stripe starts calling it incomplete.
      if (!focused) this._changed(true);
    }

    _emit(event, payload) {
      (this._handlers[event] || []).forEach((handler) => handler(payload));
    }
  }

  class Elements {
    constructor() {
      this._elements = {};
    }

    create(type) {
      if (type !== 'card') throw new Error(`stripe-emulator: only 'card' elements exist, not '${type}'`);
      this._elements.card = new CardElement();
      return this._elements.card;
    }

    getElement(type) {
      return this._elements[type] || null;
    }
  }

  // --- Talking to the emulator -----------------------------------------------------------------

  // { a: { b: 'c' } } → [['a[b]', 'c']], Stripe's bracketed form encoding.
  function formPairs(value, prefix, pairs) {
    if (value === undefined || value === null) return pairs;
    if (typeof value === 'object') {
      Object.keys(value).forEach((key) => formPairs(value[key], prefix ? `${prefix}[${key}]` : key, pairs));
    } else {
      pairs.push([prefix, String(value)]);
    }
    return pairs;
  }

  async function postForm(publishableKey, path, params) {
    const body = new URLSearchParams(formPairs(params, '', [])).toString();
    let response;
    try {
      response = await fetch(API_BASE + path, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${publishableKey}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    } catch (networkError) {
      return { error: { type: 'api_connection_error', message: `Could not reach the Stripe emulator at ${API_BASE}.` } };
    }
    const json = await response.json().catch(() => ({}));
    return response.ok ? { object: json } : { error: json.error || { type: 'api_error', message: `HTTP ${response.status}` } };
  }

  async function createPaymentMethod(publishableKey, options) {
    if (!options || options.type !== 'card' || !(options.card instanceof CardElement)) {
      throw new Error("stripe-emulator: createPaymentMethod needs { type: 'card', card: <card Element> }");
    }
    const fields = options.card._fields();
    const invalid = cardError(fields, true);
    if (invalid) return { error: invalid };

    const expiry = parseExpiry(fields.expiry);
    const result = await postForm(publishableKey, '/v1/payment_methods', {
      type: 'card',
      card: { number: digitsOf(fields.number), exp_month: expiry.month, exp_year: expiry.year, cvc: digitsOf(fields.cvc) },
      billing_details: options.billing_details,
      metadata: options.metadata,
    });
    return result.error ? { error: result.error } : { paymentMethod: result.object };
  }

  // A single-use card token, as Stripe's legacy Charges integrations (and Checkout) use.
  async function createToken(publishableKey, element, data) {
    if (!(element instanceof CardElement)) {
      throw new Error('stripe-emulator: createToken needs a card Element');
    }
    if (data && Object.keys(data).length) {
      throw new Error('stripe-emulator: createToken takes no token data (name, address) yet');
    }
    const fields = element._fields();
    const invalid = cardError(fields, true);
    if (invalid) return { error: invalid };

    const expiry = parseExpiry(fields.expiry);
    const result = await postForm(publishableKey, '/v1/tokens', {
      card: { number: digitsOf(fields.number), exp_month: expiry.month, exp_year: expiry.year, cvc: digitsOf(fields.cvc) },
    });
    return result.error ? { error: result.error } : { token: result.object };
  }

  function Stripe(publishableKey) {
    if (typeof publishableKey !== 'string' || !/^pk_(test|live)_\w+$/.test(publishableKey)) {
      throw new Error('Invalid value for Stripe(): apiKey should be a publishable key (pk_test_… or pk_live_…).');
    }
    return {
      elements() {
        return new Elements();
      },
      // Both call styles Stripe.js accepts: ({ type, card, billing_details }) and ('card', element, data).
      createPaymentMethod(typeOrOptions, element, data) {
        const options = typeof typeOrOptions === 'string'
          ? Object.assign({}, data, { type: typeOrOptions, card: element })
          : typeOrOptions;
        return createPaymentMethod(publishableKey, options);
      },
      createToken(element, data) {
        return createToken(publishableKey, element, data);
      },
    };
  }

  window.Stripe = Stripe;
}());
