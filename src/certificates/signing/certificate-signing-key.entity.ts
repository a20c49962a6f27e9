import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An Ed25519 public key as a JWK (RFC 8037), without its private part. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

/** The public half of a certificate signing key; the private half stays in its key file. */
@Entity({ name: 'certificate_signing_key' })
export class CertificateSigningKey {
  /** RFC 7638 thumbprint of the public JWK. */
  @PrimaryColumn({
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'certificate_signing_key_pk',
  })
  kid!: string;

  @Column({ type: 'jsonb' })
  publicJwk!: Ed25519PublicJwk;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  /** When a newer key was registered: from then on this key is published only while needed. */
  @Column({ type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  /** The latest `exp` of a token the key signed. */
  @Column({ type: 'timestamptz', nullable: true })
  neededUntil!: Date | null;
}
