"""Thin function views of the quotes app, by sub-domain: price books, offers (with the live
price preview), their documents (the signed PDF, e-mail and public verification) and renewals.
Reads go through the access helpers and selectors, writes through quotes.services."""
