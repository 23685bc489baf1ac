/**
 * The operations of an OVSDB `transact` (RFC 7047 §5.2) as types, with the result each one
 * produces, so `client.transact(db, [select(…), insert(…)] as const)` is typed per position.
 * A transaction is atomic: ovsdb-server applies every operation or none.
 */
import type { Row, Uuid, Value } from './values.js';

export type ConditionFunction = '<' | '<=' | '==' | '!=' | '>=' | '>' | 'includes' | 'excludes';
/** `[column, function, value]`; a row matches a `where` when it matches every condition in it. */
export type Condition = readonly [column: string, fn: ConditionFunction, value: Value];
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
export type Mutation = readonly [column: string, mutator: Mutator, value: Value];

export interface InsertOp {
  readonly op: 'insert';
  readonly table: string;
  readonly row: Row;
  /** Lets later operations of the same transaction refer to the new row as `["named-uuid", name]`. */
  readonly 'uuid-name'?: string;
}
export interface SelectOp {
  readonly op: 'select';
  readonly table: string;
  readonly where: readonly Condition[];
  readonly columns?: readonly string[];
}
export interface UpdateOp {
  readonly op: 'update';
  readonly table: string;
  readonly where: readonly Condition[];
  readonly row: Row;
}
export interface MutateOp {
  readonly op: 'mutate';
  readonly table: string;
  readonly where: readonly Condition[];
  readonly mutations: readonly Mutation[];
}
export interface DeleteOp {
  readonly op: 'delete';
  readonly table: string;
  readonly where: readonly Condition[];
}
/** Blocks (up to `timeout` ms) until the selected rows are (`==`) or are not (`!=`) exactly `rows`. */
export interface WaitOp {
  readonly op: 'wait';
  readonly table: string;
  readonly where: readonly Condition[];
  readonly columns: readonly string[];
  readonly until: '==' | '!=';
  readonly rows: readonly Row[];
  readonly timeout?: number;
}
export interface CommitOp {
  readonly op: 'commit';
  readonly durable: boolean;
}
export interface AbortOp {
  readonly op: 'abort';
}
/** Recorded in the database log (`ovsdb-tool show-log`), as ovs-vsctl records its command line. */
export interface CommentOp {
  readonly op: 'comment';
  readonly comment: string;
}
export interface AssertOp {
  readonly op: 'assert';
  readonly lock: string;
}

export type Operation = InsertOp | SelectOp | UpdateOp | MutateOp | DeleteOp | WaitOp | CommitOp | AbortOp | CommentOp | AssertOp;

export interface InsertResult {
  readonly uuid: Uuid;
}
export interface SelectResult {
  readonly rows: readonly Row[];
}
export interface CountResult {
  readonly count: number;
}
export type EmptyResult = Readonly<Record<string, never>>;

export type OperationResult<O extends Operation> = O extends InsertOp
  ? InsertResult
  : O extends SelectOp
    ? SelectResult
    : O extends UpdateOp | MutateOp | DeleteOp
      ? CountResult
      : EmptyResult;

export type TransactResults<Ops extends readonly Operation[]> = { -readonly [K in keyof Ops]: OperationResult<Ops[K]> };

export function insert(table: string, row: Row, uuidName?: string): InsertOp {
  return uuidName === undefined ? { op: 'insert', table, row } : { op: 'insert', table, row, 'uuid-name': uuidName };
}

export function select(table: string, where: readonly Condition[] = [], columns?: readonly string[]): SelectOp {
  return columns === undefined ? { op: 'select', table, where } : { op: 'select', table, where, columns };
}

export function update(table: string, where: readonly Condition[], row: Row): UpdateOp {
  return { op: 'update', table, where, row };
}

export function mutate(table: string, where: readonly Condition[], mutations: readonly Mutation[]): MutateOp {
  return { op: 'mutate', table, where, mutations };
}

export function deleteRows(table: string, where: readonly Condition[]): DeleteOp {
  return { op: 'delete', table, where };
}

export function wait(
  table: string,
  where: readonly Condition[],
  columns: readonly string[],
  until: '==' | '!=',
  rows: readonly Row[],
  timeout?: number,
): WaitOp {
  const op: WaitOp = { op: 'wait', table, where, columns, until, rows };
  return timeout === undefined ? op : { ...op, timeout };
}

export const comment = (text: string): CommentOp => ({ op: 'comment', comment: text });
export const commit = (durable: boolean): CommitOp => ({ op: 'commit', durable });
export const abort = (): AbortOp => ({ op: 'abort' });

/** The condition that selects one row by its uuid (or by the named uuid of a row inserted earlier). */
export function byUuid(id: Value): Condition {
  return ['_uuid', '==', id];
}
