-- A customer may have one journey per contract term of a playbook
-- (reference §9 "The next term"): a term is its customer, playbook and
-- contract start. Terms of one customer and playbook never overlap; that is
-- checked when a term is recorded, under a lock on the customer and playbook
-- (store/journeys.ts recordEnrolment), since an exclusion constraint would
-- need btree_gist, which the embedded database does not load.
ALTER TABLE journeys DROP CONSTRAINT journeys_customer_id_playbook_key;
ALTER TABLE journeys ADD CONSTRAINT journeys_term_key UNIQUE (customer_id, playbook, contract_start);
