/// `store_message_batch`, the server-side function that stores one batch of
/// the message writer: the messages, their mailbox rows and client ids, and
/// the batch's receipts, in one call and so one round trip and one
/// transaction (the call's own: it runs outside any BEGIN, and returns after
/// its COMMIT). Every step is one statement over the whole batch, never one
/// per message.
///
/// Arguments, one array element per message: senders, recipients (0: none),
/// groups (0: none), text bytes, client ids ('' : none); per receipt: users,
/// message ids, states; and the time the batch is stored at.
///
/// A row per message, by ordinal (from 1): outcome 0 stored, 1 a repeat of
/// the message stored before with that client id (its row), 2 refused (not
/// a member of the group); a stored group message also lists its recipients.
enum StoreMessageBatch {
    static let v1 = """
        CREATE FUNCTION store_message_batch(
            senders bigint[], recipients bigint[], group_ids bigint[], bodies bytea[], client_ids text[],
            receipt_users bigint[], receipt_messages bigint[], receipt_states smallint[], stored_at bigint)
        RETURNS TABLE (ordinal bigint, outcome smallint, id bigint, sender_id bigint, recipient_id bigint,
                       group_id bigint, body bytea, created_at bigint, recipients_now bigint[])
        LANGUAGE plpgsql AS $function$
        #variable_conflict use_column
        DECLARE
            first_id bigint;
            newest_id bigint;
        BEGIN
            -- Every batch of every daemon sharing this database locks the
            -- counter row first and holds it to its COMMIT (a row lock is
            -- released only after the commit is visible). So batches take ids
            -- and commit one after another, cluster-wide: SYNC reads
            -- id > cursor, and a lower id committed after a higher one would
            -- be skipped by a reader that had seen the higher one. Each later
            -- statement here sees every batch committed before, so the client
            -- id check below is made against all of them.
            SELECT c.last_id + 1 INTO first_id FROM message_counter c FOR UPDATE;

            RETURN QUERY
            WITH input AS (
                SELECT i.ordinal, i.sender, NULLIF(i.recipient, 0) AS recipient, NULLIF(i.grp, 0) AS grp, i.body,
                       NULLIF(i.client_id, '') AS client_id
                FROM unnest(senders, recipients, group_ids, bodies, client_ids)
                     WITH ORDINALITY AS i(sender, recipient, grp, body, client_id, ordinal)
            ),
            -- Recipients at this moment: a busy group's members are read once.
            members AS (
                SELECT r.group_id AS grp, array_agg(r.user_id ORDER BY r.user_id) AS users
                FROM group_recipient r
                WHERE r.group_id IN (SELECT input.grp FROM input)
                GROUP BY r.group_id
            ),
            judged AS (
                SELECT input.*, members.users,
                       input.grp IS NULL OR COALESCE(input.sender = ANY (members.users), false) AS accepted,
                       original.message_id AS original_id
                FROM input
                LEFT JOIN members ON members.grp = input.grp
                LEFT JOIN client_message original
                       ON original.sender_id = input.sender AND original.client_id = input.client_id
            ),
            -- As if stored one by one: the first accepted message of a
            -- (sender, client id) in the batch is stored, and every later one
            -- with that client id repeats it, accepted or not.
            decided AS (
                SELECT judged.*,
                       CASE WHEN judged.original_id IS NOT NULL THEN 1
                            WHEN judged.client_id IS NOT NULL AND first_accepted < judged.ordinal THEN 1
                            WHEN NOT judged.accepted THEN 2
                            ELSE 0 END AS decision
                FROM (SELECT judged.*,
                             min(judged.ordinal) FILTER (WHERE judged.accepted)
                                 OVER (PARTITION BY judged.sender, judged.client_id) AS first_accepted
                      FROM judged) judged
            ),
            numbered AS (
                SELECT decided.*,
                       first_id - 1 + count(*) FILTER (WHERE decided.decision = 0) OVER (ORDER BY decided.ordinal)
                           AS new_id
                FROM decided
            ),
            inserted AS (
                INSERT INTO message (id, sender_id, recipient_id, group_id, body, created_at)
                SELECT n.new_id, n.sender, n.recipient, n.grp, n.body, stored_at FROM numbered n WHERE n.decision = 0
            ),
            addressed AS (
                INSERT INTO mailbox (user_id, message_id, state, addressed)
                SELECT r.user_id, n.new_id, 0, true
                FROM numbered n
                CROSS JOIN LATERAL unnest(CASE WHEN n.grp IS NULL THEN ARRAY[n.recipient]
                                               ELSE array_remove(n.users, n.sender) END) AS r(user_id)
                WHERE n.decision = 0 AND r.user_id IS NOT NULL
            ),
            remembered AS (
                INSERT INTO client_message (sender_id, client_id, message_id, created_at)
                SELECT n.sender, n.client_id, n.new_id, stored_at FROM numbered n
                WHERE n.decision = 0 AND n.client_id IS NOT NULL
            )
            SELECT n.ordinal, 0::smallint, n.new_id, n.sender, n.recipient, n.grp, n.body, stored_at,
                   CASE WHEN n.grp IS NOT NULL THEN array_remove(n.users, n.sender) END
            FROM numbered n WHERE n.decision = 0
            UNION ALL
            SELECT n.ordinal, 1::smallint, m.id, m.sender_id, m.recipient_id, m.group_id, m.body, m.created_at, NULL
            FROM numbered n JOIN message m ON m.id = n.original_id
            UNION ALL
            SELECT n.ordinal, 1::smallint, f.new_id, f.sender, f.recipient, f.grp, f.body, stored_at, NULL
            FROM numbered n JOIN numbered f ON f.ordinal = n.first_accepted
            WHERE n.decision = 1 AND n.original_id IS NULL
            UNION ALL
            SELECT n.ordinal, 2::smallint, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM numbered n WHERE n.decision = 2;

            SELECT max(m.id) INTO newest_id FROM message m WHERE m.id >= first_id;
            IF newest_id IS NOT NULL THEN
                UPDATE message_counter SET last_id = newest_id;
            END IF;

            -- Receipts: the strongest state per (user, message) wins, and a
            -- state never moves back. Rows are locked in key order, as PULL
            -- and ACK lock them, so concurrent writers cannot deadlock.
            WITH strongest AS (
                SELECT r.user_id, r.message_id, max(r.state) AS state
                FROM unnest(receipt_users, receipt_messages, receipt_states) AS r(user_id, message_id, state)
                GROUP BY r.user_id, r.message_id
            ),
            locked AS (
                SELECT b.user_id, b.message_id, s.state
                FROM mailbox b JOIN strongest s ON s.user_id = b.user_id AND s.message_id = b.message_id
                WHERE b.state < s.state
                ORDER BY b.user_id, b.message_id
                FOR UPDATE OF b
            )
            UPDATE mailbox b SET state = locked.state FROM locked
            WHERE b.user_id = locked.user_id AND b.message_id = locked.message_id;

            -- A member's own group message pushed to their other session in
            -- ack mode is not addressed to them, and has no row yet.
            INSERT INTO mailbox (user_id, message_id, state, addressed)
            SELECT r.user_id, r.message_id, 1, false
            FROM unnest(receipt_users, receipt_messages, receipt_states) AS r(user_id, message_id, state)
            GROUP BY r.user_id, r.message_id
            HAVING max(r.state) = 1
            ORDER BY r.user_id, r.message_id
            ON CONFLICT DO NOTHING;
        END
        $function$
        """
}
