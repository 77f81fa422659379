// The pay page's card form: Stripe.js collects the card and confirms the server's PaymentIntent.
//
// One confirmation at a time: the button is disabled from the click until Stripe answers (a
// double click must not confirm twice or open two 3-D Secure windows). Stripe's answer is an
// error, or an intent; only an intent that succeeded or is processing goes on to the return
// page (the server reads its status there). Any other intent — authentication failed, the card
// was declined — is an error shown in #card-errors, and the button works again.
(function () {
  "use strict";
  var box = document.getElementById("card-payment");
  if (!box || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(box.dataset.publishableKey);
  var card = stripe.elements().create("card");
  var button = document.getElementById("card-pay");
  var errors = document.getElementById("card-errors");
  var done = { succeeded: true, processing: true, requires_capture: true };
  card.mount("#card-element");

  function fail(message) {
    errors.textContent = message || box.dataset.failedText;
    button.disabled = false;
    box.removeAttribute("aria-busy");
  }

  button.addEventListener("click", function () {
    if (button.disabled) { return; }
    button.disabled = true;
    box.setAttribute("aria-busy", "true");
    errors.textContent = "";
    stripe.confirmCardPayment(box.dataset.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        var intent = result && result.paymentIntent;
        if (result && result.error) {
          fail(result.error.message);
        } else if (intent && done[intent.status]) {
          window.location.assign(box.dataset.returnUrl);
        } else {
          fail(intent && intent.last_payment_error && intent.last_payment_error.message);
        }
      }, function () { fail(); });
  });
}());
