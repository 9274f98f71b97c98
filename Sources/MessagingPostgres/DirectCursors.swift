/// What each user is owed of the 1:1 messages sent to them, kept as in the
/// SQLite store: a cursor per user (`direct_cursor`) below which every such
/// message reached them, except the rows of `direct_owed`; above it, all are
/// owed. A receipt usually just moves the cursor: one row per user per
/// batch, where a `mailbox` row per message cost an insert at store time
/// and an update (a new row version in two indexes) at its receipt. (A
/// sender's other sessions get their own 1:1 messages as `SENT`, which no
/// receipt follows.)
///
/// Every writer of a user's cursor or `direct_owed` rows holds the cursor
/// row first (locked in user order), and takes `mailbox` rows only after:
/// so the message writer, PULL and ACK, on any daemon, cannot deadlock.
enum DirectCursors {
    static let v1 = [
        """
        CREATE TABLE direct_cursor (
            user_id bigint PRIMARY KEY,
            delivered_through bigint NOT NULL)
        """,
        // state: 0 owed, 1 pushed to a session in ack mode and not acknowledged.
        """
        CREATE TABLE direct_owed (
            user_id bigint NOT NULL,
            message_id bigint NOT NULL,
            state smallint NOT NULL,
            PRIMARY KEY (user_id, message_id))
        """,
        // A user's 1:1 messages in id order: what lies past their cursor, and SYNC.
        "CREATE INDEX message_on_recipient ON message (recipient_id, id) WHERE recipient_id IS NOT NULL",
        recordReceipts,
        takeInbox,
        acknowledge,
    ]

    /// `record_direct_receipts`: receipts of 1:1 messages pushed to their
    /// recipients (strongest state per user and message wins; a state never
    /// moves back). A receipt past the user's cursor moves it there; the
    /// messages it passes without a receipt stay owed (rows of
    /// `direct_owed`). A receipt of a message the cursor passed already
    /// takes it out of `direct_owed`, or marks it awaiting an ack.
    static let recordReceipts = """
        CREATE FUNCTION record_direct_receipts(receipt_users bigint[], receipt_messages bigint[],
                                               receipt_states smallint[])
        RETURNS void LANGUAGE plpgsql AS $function$
        #variable_conflict use_column
        DECLARE
            cursor_users bigint[];
            cursor_at bigint[];
        BEGIN
            IF cardinality(receipt_users) = 0 THEN RETURN; END IF;
            -- Every user's cursor row, locked in user order before any of
            -- their direct_owed rows is touched.
            INSERT INTO direct_cursor (user_id, delivered_through)
            SELECT DISTINCT u.user_id, 0 FROM unnest(receipt_users) AS u(user_id) ORDER BY 1
            ON CONFLICT DO NOTHING;
            SELECT array_agg(c.user_id), array_agg(c.delivered_through) INTO cursor_users, cursor_at
            FROM (SELECT c.user_id, c.delivered_through FROM direct_cursor c
                  WHERE c.user_id = ANY (receipt_users) ORDER BY c.user_id FOR UPDATE) c;

        \(moveCursors)
        END
        $function$
        """

    /// As of schema v2: `record_direct_receipts` as in v1, but each
    /// receipt's user is matched once (a batch of ~200 receipts of 16 users
    /// spent 0.45 ms of its 1.2 in the cursor lock's scan; 0.1 after).
    static let v2 = [recordReceiptsByOwner]

    static let recordReceiptsByOwner = """
        CREATE OR REPLACE FUNCTION record_direct_receipts(receipt_users bigint[], receipt_messages bigint[],
                                                          receipt_states smallint[])
        RETURNS void LANGUAGE plpgsql AS $function$
        #variable_conflict use_column
        DECLARE
            cursor_users bigint[];
            cursor_at bigint[];
            owners bigint[];
        BEGIN
            IF cardinality(receipt_users) = 0 THEN RETURN; END IF;
            -- Every user's cursor row, locked in user order before any of
            -- their direct_owed rows is touched. Each user once: matched
            -- against every receipt, the lock's scan cost cursors × receipts.
            SELECT array_agg(DISTINCT u.user_id ORDER BY u.user_id) INTO owners FROM unnest(receipt_users) AS u(user_id);
            INSERT INTO direct_cursor (user_id, delivered_through)
            SELECT u.user_id, 0 FROM unnest(owners) AS u(user_id)
            ON CONFLICT DO NOTHING;
            SELECT array_agg(c.user_id), array_agg(c.delivered_through) INTO cursor_users, cursor_at
            FROM (SELECT c.user_id, c.delivered_through FROM direct_cursor c
                  WHERE c.user_id = ANY (owners) ORDER BY c.user_id FOR UPDATE) c;

        \(moveCursors)
        END
        $function$
        """

    /// The part of `record_direct_receipts` after the cursors are locked
    /// (`cursor_users`, `cursor_at`), the same in every version.
    private static let moveCursors = """
            WITH receipt AS (
                SELECT r.user_id, r.message_id, max(r.state) AS state, c.at
                FROM unnest(receipt_users, receipt_messages, receipt_states) AS r(user_id, message_id, state)
                JOIN unnest(cursor_users, cursor_at) AS c(user_id, at) ON c.user_id = r.user_id
                GROUP BY r.user_id, r.message_id, c.at
            ),
            move AS (
                SELECT r.user_id, r.at, max(r.message_id) AS through
                FROM receipt r WHERE r.message_id > r.at
                GROUP BY r.user_id, r.at
            ),
            -- Past the cursor: what it passes without a receipt stays owed,
            -- and a message pushed in ack mode awaits its ack.
            owed AS (
                INSERT INTO direct_owed (user_id, message_id, state)
                SELECT mv.user_id, m.id, 0
                FROM move mv
                -- OFFSET 0 keeps this a range of the recipient index per
                -- user: pulled up into a join, it was planned as a scan of
                -- the whole message table.
                CROSS JOIN LATERAL (SELECT m.id FROM message m
                                    WHERE m.recipient_id = mv.user_id AND m.id > mv.at AND m.id < mv.through
                                    OFFSET 0) m
                LEFT JOIN receipt r ON r.user_id = mv.user_id AND r.message_id = m.id
                WHERE r.user_id IS NULL
                UNION ALL
                SELECT r.user_id, r.message_id, 1 FROM receipt r WHERE r.message_id > r.at AND r.state = 1
                ON CONFLICT DO NOTHING
            ),
            moved AS (
                UPDATE direct_cursor d SET delivered_through = mv.through FROM move mv WHERE d.user_id = mv.user_id
            ),
            -- At or below the cursor: delivered takes the message out of
            -- direct_owed, awaiting an ack marks a row still owed.
            delivered AS (
                DELETE FROM direct_owed o USING receipt r
                WHERE r.message_id <= r.at AND r.state = 2 AND o.user_id = r.user_id AND o.message_id = r.message_id
            )
            UPDATE direct_owed o SET state = 1 FROM receipt r
            WHERE r.message_id <= r.at AND r.state = 1 AND o.state = 0
              AND o.user_id = r.user_id AND o.message_id = r.message_id;
        """

    /// `take_inbox`: up to `most` of the messages PULL owes the user, oldest
    /// first: group messages by their mailbox rows, 1:1 messages by
    /// `direct_owed` and past the cursor. They are delivered when it returns,
    /// and the cursor is past every 1:1 message up to the last one taken.
    static let takeInbox = """
        CREATE FUNCTION take_inbox(owner bigint, most integer)
        RETURNS TABLE (id bigint, sender_id bigint, recipient_id bigint, group_id bigint, body bytea,
                       created_at bigint)
        LANGUAGE plpgsql AS $function$
        #variable_conflict use_column
        DECLARE
            at bigint;
            taken bigint[];
        BEGIN
            INSERT INTO direct_cursor (user_id, delivered_through) VALUES (owner, 0) ON CONFLICT DO NOTHING;
            SELECT c.delivered_through INTO at FROM direct_cursor c WHERE c.user_id = owner FOR UPDATE;
            SELECT array_agg(t.message_id ORDER BY t.message_id) INTO taken FROM (
                SELECT o.message_id FROM (
                    (SELECT b.message_id FROM mailbox b
                     WHERE b.user_id = owner AND b.state < 2 ORDER BY b.message_id LIMIT most)
                    UNION ALL
                    (SELECT o.message_id FROM direct_owed o WHERE o.user_id = owner ORDER BY o.message_id LIMIT most)
                    UNION ALL
                    (SELECT m.id FROM message m WHERE m.recipient_id = owner AND m.id > at ORDER BY m.id LIMIT most)
                ) o ORDER BY o.message_id LIMIT most) t;
            IF taken IS NULL THEN RETURN; END IF;
            UPDATE mailbox b SET state = 2
            FROM (SELECT b.message_id FROM mailbox b
                  WHERE b.user_id = owner AND b.message_id = ANY (taken) AND b.state < 2
                  ORDER BY b.message_id FOR UPDATE) hit
            WHERE b.user_id = owner AND b.message_id = hit.message_id;
            DELETE FROM direct_owed o WHERE o.user_id = owner AND o.message_id = ANY (taken);
            UPDATE direct_cursor c SET delivered_through = taken[cardinality(taken)]
            WHERE c.user_id = owner AND c.delivered_through < taken[cardinality(taken)];
            RETURN QUERY
            SELECT m.id, m.sender_id, m.recipient_id, m.group_id, m.body, m.created_at
            FROM message m WHERE m.id = ANY (taken) ORDER BY m.id;
        END
        $function$
        """

    /// `acknowledge_messages`: the ids that concern the user (1:1 messages
    /// sent to them, group messages with a mailbox row of theirs) count, and
    /// are delivered from now on. Returns how many.
    static let acknowledge = """
        CREATE FUNCTION acknowledge_messages(owner bigint, ids bigint[])
        RETURNS bigint LANGUAGE plpgsql AS $function$
        #variable_conflict use_column
        DECLARE
            hits bigint;
            sent_to_owner bigint[];
        BEGIN
            INSERT INTO direct_cursor (user_id, delivered_through) VALUES (owner, 0) ON CONFLICT DO NOTHING;
            PERFORM 1 FROM direct_cursor c WHERE c.user_id = owner FOR UPDATE;
            SELECT count(*) FILTER (WHERE m.recipient_id = owner
                                       OR EXISTS (SELECT 1 FROM mailbox b WHERE b.user_id = owner AND b.message_id = m.id)),
                   array_agg(m.id) FILTER (WHERE m.recipient_id = owner)
            INTO hits, sent_to_owner
            FROM message m WHERE m.id = ANY (ids);
            UPDATE mailbox b SET state = 2
            FROM (SELECT b.message_id FROM mailbox b
                  WHERE b.user_id = owner AND b.message_id = ANY (ids) AND b.state < 2
                  ORDER BY b.message_id FOR UPDATE) hit
            WHERE b.user_id = owner AND b.message_id = hit.message_id;
            IF sent_to_owner IS NOT NULL THEN
                PERFORM record_direct_receipts(array_fill(owner, ARRAY[cardinality(sent_to_owner)]), sent_to_owner,
                                               array_fill(2::smallint, ARRAY[cardinality(sent_to_owner)]));
            END IF;
            RETURN hits;
        END
        $function$
        """
}
