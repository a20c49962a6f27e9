import type { MigrationInterface, QueryRunner } from 'typeorm';

const REGIONS = [
  'tanger_tetouan_al_hoceima',
  'oriental',
  'fes_meknes',
  'rabat_sale_kenitra',
  'beni_mellal_khenifra',
  'casablanca_settat',
  'marrakech_safi',
  'draa_tafilalet',
  'souss_massa',
  'guelmim_oued_noun',
  'laayoune_sakia_el_hamra',
  'dakhla_oued_ed_dahab',
];

export class CreateMembersAuthJournal1795917600000 implements MigrationInterface {
  name = 'CreateMembersAuthJournal1795917600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE organisation (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        ice char(15) NOT NULL,
        membership_number varchar(32) NOT NULL,
        contact_email varchar(254) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active',
        membership_ended_at timestamptz,
        membership_end_reason text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT organisation_pk PRIMARY KEY (id),
        CONSTRAINT organisation_ice_uq UNIQUE (ice),
        CONSTRAINT organisation_membership_number_uq UNIQUE (membership_number),
        CONSTRAINT organisation_ice_ck CHECK (ice ~ '^[0-9]{15}$'),
        CONSTRAINT organisation_status_ck CHECK (status IN ('active', 'ended')),
        CONSTRAINT organisation_ended_ck
          CHECK ((status = 'ended') = (membership_ended_at IS NOT NULL)),
        CONSTRAINT organisation_name_ck CHECK (length(btrim(name)) > 0)
      )`);
    await db.query(`CREATE INDEX organisation_name_idx ON organisation (lower(name))`);

    await db.query(`
      CREATE TABLE site (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL,
        name varchar(200) NOT NULL,
        address varchar(500) NOT NULL,
        city varchar(100) NOT NULL,
        region varchar(40) NOT NULL,
        headcount_on_site integer NOT NULL,
        headcount_remote integer NOT NULL,
        activities varchar(16)[] NOT NULL,
        provides_staff_transport boolean NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT site_pk PRIMARY KEY (id),
        CONSTRAINT site_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisation (id),
        CONSTRAINT site_name_uq UNIQUE (organisation_id, name),
        CONSTRAINT site_region_ck CHECK (region IN (${REGIONS.map((r) => `'${r}'`).join(', ')})),
        CONSTRAINT site_headcounts_ck CHECK (headcount_on_site >= 0 AND headcount_remote >= 0),
        CONSTRAINT site_activities_ck CHECK (cardinality(activities) BETWEEN 1 AND 2
          AND activities <@ ARRAY['front_office', 'back_office']::varchar(16)[]),
        CONSTRAINT site_texts_ck
          CHECK (length(btrim(name)) > 0 AND length(btrim(address)) > 0 AND length(btrim(city)) > 0)
      )`);
    await db.query(`CREATE INDEX site_organisation_idx ON site (organisation_id)`);
    await db.query(`CREATE INDEX site_city_idx ON site (lower(city))`);

    await db.query(`
      CREATE TABLE app_user (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        password_hash text NOT NULL,
        full_name varchar(200) NOT NULL,
        role varchar(16) NOT NULL,
        organisation_id uuid,
        preferred_language varchar(2) NOT NULL DEFAULT 'fr',
        disabled_at timestamptz,
        token_version integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT app_user_pk PRIMARY KEY (id),
        CONSTRAINT app_user_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisation (id),
        CONSTRAINT app_user_role_ck CHECK (role IN ('admin', 'auditor', 'member')),
        CONSTRAINT app_user_membership_ck CHECK ((role = 'member') = (organisation_id IS NOT NULL)),
        CONSTRAINT app_user_language_ck CHECK (preferred_language IN ('fr', 'en', 'ar')),
        CONSTRAINT app_user_email_ck CHECK (email = lower(email) AND position('@' IN email) > 1)
      )`);
    await db.query(`CREATE UNIQUE INDEX app_user_email_uq ON app_user (email)`);
    await db.query(`CREATE INDEX app_user_organisation_idx ON app_user (organisation_id)`);

    // Opaque refresh tokens, stored as SHA-256; a family is one login's chain of rotations.
    await db.query(`
      CREATE TABLE refresh_token (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        family_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT refresh_token_pk PRIMARY KEY (id),
        CONSTRAINT refresh_token_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT refresh_token_hash_uq UNIQUE (token_hash)
      )`);
    await db.query(`CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)`);
    await db.query(`CREATE INDEX refresh_token_user_idx ON refresh_token (user_id)`);

    // Failed logins, kept in the database so that every instance sees the same counts.
    await db.query(`
      CREATE TABLE login_failure (
        id bigint GENERATED ALWAYS AS IDENTITY,
        email varchar(254) NOT NULL,
        client_ip varchar(64) NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT login_failure_pk PRIMARY KEY (id)
      )`);
    await db.query(
      `CREATE INDEX login_failure_key_idx ON login_failure (email, client_ip, failed_at)`,
    );

    await db.query(`
      CREATE TABLE journal_entry (
        seq bigint NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_role varchar(16),
        organisation_id uuid,
        action varchar(64) NOT NULL,
        entity_type varchar(64) NOT NULL,
        entity_id varchar(64) NOT NULL,
        changes jsonb NOT NULL,
        request_id varchar(64),
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL,
        CONSTRAINT journal_entry_pk PRIMARY KEY (seq),
        CONSTRAINT journal_entry_id_uq UNIQUE (id),
        CONSTRAINT journal_entry_hash_uq UNIQUE (hash),
        CONSTRAINT journal_entry_seq_ck CHECK (seq > 0)
      )`);
    await db.query(
      `CREATE INDEX journal_entry_entity_idx ON journal_entry (entity_type, entity_id)`,
    );
    await db.query(`CREATE INDEX journal_entry_actor_idx ON journal_entry (actor_id)`);
    await db.query(`CREATE INDEX journal_entry_time_idx ON journal_entry (occurred_at)`);
    await db.query(
      `CREATE INDEX journal_entry_organisation_idx ON journal_entry (organisation_id)`,
    );
    // Append-only, whoever asks: rows are never updated or deleted, the table never truncated.
    await db.query(`
      CREATE FUNCTION journal_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'journal_entry is append-only: % refused', TG_OP
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await db.query(`
      CREATE TRIGGER journal_entry_no_change_trg BEFORE UPDATE OR DELETE ON journal_entry
        FOR EACH ROW EXECUTE FUNCTION journal_entry_append_only()`);
    await db.query(`
      CREATE TRIGGER journal_entry_no_truncate_trg BEFORE TRUNCATE ON journal_entry
        FOR EACH STATEMENT EXECUTE FUNCTION journal_entry_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE journal_entry');
    await db.query('DROP FUNCTION journal_entry_append_only()');
    await db.query('DROP TABLE login_failure');
    await db.query('DROP TABLE refresh_token');
    await db.query('DROP TABLE app_user');
    await db.query('DROP TABLE site');
    await db.query('DROP TABLE organisation');
  }
}
