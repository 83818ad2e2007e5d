-- One lease: a consumer claims a message (one updated row; ids 1..preload are never deleted).
\set id random(1, :preload)
UPDATE follow.messages SET status = 'leased', attempts = attempts + 1, lease_until = now() + interval '30 seconds'
WHERE id = :id;
