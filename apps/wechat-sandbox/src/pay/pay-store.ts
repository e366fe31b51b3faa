import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { parsePublicKey } from '@wxgate/wechatpay';

export type VerificationMode = 'publicKey' | 'certificate';

export interface MerchantInput {
  mchid: string;
  /** The merchant API certificate's serial, which the merchant puts in `serial_no`. */
  serialNo: string;
  /** The merchant's public key (PEM) or API certificate, to verify its request signatures. */
  publicKey: string;
  apiV3Key: string;
  /** Which WeChat Pay key signs this merchant's answers and notifications. Default: publicKey. */
  mode?: VerificationMode;
}

export interface Merchant extends Omit<MerchantInput, 'publicKey' | 'mode'> {
  publicKey: KeyObject;
  mode: VerificationMode;
}

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

export interface Order {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type: 'JSAPI' | 'NATIVE';
  trade_state: TradeState;
  trade_state_desc: string;
  description: string;
  attach?: string;
  notify_url: string;
  prepay_id?: string;
  code_url?: string;
  success_time?: string;
  payer?: { openid: string };
  amount: { total: number; currency: string; payer_total?: number; payer_currency?: string };
  refunded: number;
}

export interface Refund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  mchid: string;
  channel: 'ORIGINAL';
  user_received_account: string;
  create_time: string;
  success_time?: string;
  status: 'PROCESSING' | 'SUCCESS';
  notify_url?: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number; currency: string };
}

/** WeChat Pay writes times as RFC 3339 in Beijing time. */
export function beijingTime(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** Merchants, orders and refunds of the sandbox's WeChat Pay, in memory. */
export class PayStore {
  readonly merchants = new Map<string, Merchant>();
  readonly #orders = new Map<string, Order>();
  readonly #byTransaction = new Map<string, Order>();
  readonly #refunds = new Map<string, Refund>();

  putMerchant(input: MerchantInput): Merchant {
    const merchant: Merchant = { ...input, publicKey: parsePublicKey(input.publicKey), mode: input.mode ?? 'publicKey' };
    this.merchants.set(input.mchid, merchant);
    return merchant;
  }

  order(mchid: string, outTradeNo: string): Order | undefined {
    return this.#orders.get(`${mchid}:${outTradeNo}`);
  }

  orderByTransaction(mchid: string, transactionId: string): Order | undefined {
    const order = this.#byTransaction.get(transactionId);
    return order?.mchid === mchid ? order : undefined;
  }

  addOrder(order: Order): Order {
    if (order.trade_type === 'JSAPI') order.prepay_id = `wx${Date.now()}${randomBytes(9).toString('hex')}`;
    else order.code_url = `weixin://wxpay/bizpayurl?pr=${randomBytes(5).toString('base64url')}`;
    this.#orders.set(`${order.mchid}:${order.out_trade_no}`, order);
    return order;
  }

  markPaid(order: Order, openid: string, now: number): void {
    order.transaction_id = `4200${digits(24)}`;
    order.trade_state = 'SUCCESS';
    order.trade_state_desc = '支付成功';
    order.success_time = beijingTime(now);
    order.payer = order.payer ?? { openid };
    order.amount.payer_total = order.amount.total;
    order.amount.payer_currency = order.amount.currency;
    this.#byTransaction.set(order.transaction_id, order);
  }

  refund(mchid: string, outRefundNo: string): Refund | undefined {
    return this.#refunds.get(`${mchid}:${outRefundNo}`);
  }

  addRefund(order: Order, input: { out_refund_no: string; refund: number; notify_url?: string }, now: number): Refund {
    const refund: Refund = {
      refund_id: `5030${digits(24)}`,
      out_refund_no: input.out_refund_no,
      transaction_id: order.transaction_id!,
      out_trade_no: order.out_trade_no,
      mchid: order.mchid,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: beijingTime(now),
      status: 'PROCESSING',
      ...(input.notify_url ? { notify_url: input.notify_url } : {}),
      amount: { total: order.amount.total, refund: input.refund, payer_total: order.amount.total, payer_refund: input.refund, currency: order.amount.currency },
    };
    order.refunded += input.refund;
    order.trade_state = 'REFUND';
    order.trade_state_desc = '转入退款';
    this.#refunds.set(`${order.mchid}:${input.out_refund_no}`, refund);
    return refund;
  }

  counts() {
    return { merchants: this.merchants.size, orders: this.#orders.size, refunds: this.#refunds.size };
  }

  clear(): void {
    this.merchants.clear();
    this.#orders.clear();
    this.#byTransaction.clear();
    this.#refunds.clear();
  }
}

/** The order as WeChat Pay's query answers it. */
export function orderView(order: Order): Record<string, unknown> {
  const { notify_url: _n, prepay_id: _p, code_url: _c, refunded: _r, description: _d, ...view } = order;
  return { ...view, bank_type: order.trade_state === 'NOTPAY' ? undefined : 'OTHERS' };
}

export function refundView(refund: Refund): Record<string, unknown> {
  const { notify_url: _n, mchid: _m, ...view } = refund;
  return view;
}
