-- One queue push: a message with a ~200-byte jsonb payload (one inserted row).
\set q random(0, 15)
INSERT INTO follow.messages (queue, payload)
VALUES ('queue-' || :q, jsonb_build_object('client', :client_id, 'body', repeat('p', 150), 'at', now()));
