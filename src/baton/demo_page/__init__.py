"""The pieces of ``baton demo`` (see ``baton.demo``): the customer's page, seeding, servers, help articles."""
