// The pay page's card form: Stripe.js collects the card and confirms the server's PaymentIntent.
(function () {
  "use strict";
  var box = document.getElementById("card-payment");
  if (!box || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(box.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  document.getElementById("card-pay").addEventListener("click", function () {
    stripe.confirmCardPayment(box.dataset.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          document.getElementById("card-errors").textContent = result.error.message;
        } else {
          window.location.assign(box.dataset.returnUrl);
        }
      });
  });
}());
