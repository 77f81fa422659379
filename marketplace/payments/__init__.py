"""Payments through Stripe: card payments and refunds, Connect onboarding, payouts, webhooks."""
