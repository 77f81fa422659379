"""The in-app inbox: notifications for every role, their e-mails and the daily digest."""
