import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Facts about the database itself, e.g. the sealed check value of the master key. */
@Entity('refresher_meta')
export class MetaEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
