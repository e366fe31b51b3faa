import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';
import { AnswerSigner } from './answer-signer.js';
import { NotificationSender, type Delivery } from './notification-sender.js';
import { PayFailure } from './pay-failure.js';
import { PlatformKeys } from './platform-keys.js';
import { beijingTime, PayStore, refundView, type Merchant, type MerchantInput, type Order } from './pay-store.js';

type Json = Record<string, unknown>;

/** The sandbox's WeChat Pay: merchants, orders, refunds, its signing keys and its notifications. */
export class PaySandbox {
  readonly store = new PayStore();
  readonly keys = new PlatformKeys();
  readonly signer = new AnswerSigner(this.keys);
  readonly notifications: NotificationSender;
  /** Requests whose signature verified, for benchmarks and tests. */
  signedCalls = 0;

  constructor(
    readonly clock: Clock,
    readonly knobs: Knobs,
  ) {
    this.notifications = new NotificationSender(clock, knobs, this.signer);
  }

  /** What a merchant console shows: the WeChat Pay public key and its id (public-key mode). */
  registerMerchant(input: MerchantInput) {
    const merchant = this.store.putMerchant(input);
    return { mchid: merchant.mchid, mode: merchant.mode, publicKeyId: this.keys.publicKeyId, publicKey: this.keys.publicKeyPem };
  }

  /** The payer pays: the order succeeds and TRANSACTION.SUCCESS goes to its notify_url. */
  pay(mchid: string, outTradeNo: string, openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'): { transactionId: string; notification: Delivery } {
    const merchant = this.#merchant(mchid);
    const order = this.store.order(mchid, outTradeNo);
    if (!order) throw new PayFailure(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (order.trade_state !== 'NOTPAY') throw new PayFailure(400, 'ORDERPAID', `order is ${order.trade_state}`);
    this.store.markPaid(order, openid, this.clock.now());
    const notification = this.notifications.send(merchant, {
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      originalType: 'transaction',
      url: order.notify_url,
      plaintext: transactionResource(order),
    });
    return { transactionId: order.transaction_id!, notification };
  }

  refund(merchant: Merchant, body: Json) {
    const outRefundNo = typeof body.out_refund_no === 'string' ? body.out_refund_no : '';
    if (!outRefundNo) throw new PayFailure(400, 'PARAM_ERROR', 'out_refund_no is required');
    const existing = this.store.refund(merchant.mchid, outRefundNo);
    if (existing) return { status: 200, body: refundView(existing) };
    const order =
      typeof body.transaction_id === 'string'
        ? this.store.orderByTransaction(merchant.mchid, body.transaction_id)
        : typeof body.out_trade_no === 'string'
          ? this.store.order(merchant.mchid, body.out_trade_no)
          : undefined;
    if (!order) throw new PayFailure(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') throw new PayFailure(400, 'INVALID_REQUEST', '订单未支付');
    const amount = body.amount as Json | undefined;
    const refund = amount?.refund;
    if (typeof refund !== 'number' || !Number.isInteger(refund) || refund <= 0) throw new PayFailure(400, 'PARAM_ERROR', 'amount.refund must be a positive integer');
    if (amount?.total !== order.amount.total) throw new PayFailure(400, 'PARAM_ERROR', 'amount.total does not match the order');
    if (refund > order.amount.total - order.refunded) throw new PayFailure(403, 'NOT_ENOUGH', '申请退款金额超过订单可退金额');
    const notifyUrl = typeof body.notify_url === 'string' ? body.notify_url : undefined;
    const record = this.store.addRefund(order, { out_refund_no: outRefundNo, refund, notify_url: notifyUrl }, this.clock.now());
    // WeChat Pay answers PROCESSING and settles a moment later; the sandbox settles at once after answering.
    setImmediate(() => {
      record.status = 'SUCCESS';
      record.success_time = beijingTime(this.clock.now());
      this.notifications.send(merchant, {
        eventType: 'REFUND.SUCCESS',
        summary: '退款成功',
        originalType: 'refund',
        url: notifyUrl ?? order.notify_url,
        plaintext: {
          mchid: order.mchid,
          out_trade_no: order.out_trade_no,
          transaction_id: order.transaction_id,
          out_refund_no: record.out_refund_no,
          refund_id: record.refund_id,
          refund_status: 'SUCCESS',
          success_time: record.success_time,
          user_received_account: record.user_received_account,
          amount: { total: order.amount.total, refund, payer_total: order.amount.total, payer_refund: refund },
        },
      });
    });
    return { status: 200, body: refundView(record) };
  }

  #merchant(mchid: string): Merchant {
    const merchant = this.store.merchants.get(mchid);
    if (!merchant) throw new PayFailure(404, 'MCH_NOT_EXISTS', `unknown merchant ${mchid}`);
    return merchant;
  }

  summary() {
    return { ...this.store.counts(), signedCalls: this.signedCalls, publicKeyId: this.keys.publicKeyId, notifications: this.notifications.list() };
  }

  reset(): void {
    this.store.clear();
    this.notifications.clear();
    this.signer.setFault('unsigned', 0);
    this.signedCalls = 0;
  }

  close(): void {
    this.notifications.close();
  }
}

function transactionResource(order: Order): object {
  return {
    mchid: order.mchid,
    appid: order.appid,
    out_trade_no: order.out_trade_no,
    transaction_id: order.transaction_id,
    trade_type: order.trade_type,
    trade_state: order.trade_state,
    trade_state_desc: order.trade_state_desc,
    bank_type: 'OTHERS',
    ...(order.attach !== undefined ? { attach: order.attach } : {}),
    success_time: order.success_time,
    payer: order.payer,
    amount: order.amount,
  };
}
