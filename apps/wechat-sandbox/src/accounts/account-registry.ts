import { WechatMsgCrypt } from '@wxgate/wechat';

export interface ComponentInput {
  appid: string;
  secret: string;
  /** The message-verification token of the component's console settings. */
  token: string;
  encodingAesKey: string;
  callbackUrl?: string;
  /** Overrides the ticketIntervalS knob for this component. */
  ticketIntervalS?: number;
}

export interface Component extends ComponentInput {
  crypt: WechatMsgCrypt;
}

export interface AppInput {
  appid: string;
  secret: string;
}

/** The accounts WeChat knows: third-party platforms ("components") and plain apps. */
export class AccountRegistry {
  readonly components = new Map<string, Component>();
  readonly apps = new Map<string, AppInput>();

  putComponent(input: ComponentInput): Component {
    const crypt = new WechatMsgCrypt({ token: input.token, encodingAesKeys: [input.encodingAesKey], appid: input.appid });
    const component = { ...input, crypt };
    this.components.set(input.appid, component);
    return component;
  }

  putApp(input: AppInput): void {
    this.apps.set(input.appid, { ...input });
  }

  clear(): void {
    this.components.clear();
    this.apps.clear();
  }
}
