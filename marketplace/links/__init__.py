"""Tracked links, their clicks and QR codes, and promo codes with their redemptions."""
