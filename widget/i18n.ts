// The message catalogs by language. The service sends the visitor's catalog with the form
// definition (GET /v1/forms/:formId?lang=) and writes its own 422 messages in it; the embed carries
// only English, its fallback when offline. Browser-safe, no dependencies.

import { EN_ERRORS, type MessageCatalog, type UiMessageKey } from './messages.ts';
import type { FieldError } from './validate.ts';

export const EN_UI: Record<UiMessageKey, string> = {
  saved: 'Not sent yet: your submission is saved and will be sent automatically.',
  failed: 'Sorry, this could not be sent.',
  unavailable: 'This form cannot be loaded.',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Thanks! Your submission was received.',
  invalid: 'Please correct the marked fields.',
  choose: 'Choose…',
};

export const EN_MESSAGES: MessageCatalog = { ...EN_ERRORS, ...EN_UI };

/** One field error as text: the catalog's message (or the form's override) with its limit filled in. */
export function formatFieldError(
  error: FieldError,
  catalog: MessageCatalog = EN_MESSAGES,
  overrides?: Record<string, string>,
): string {
  const text = overrides?.[error.code] ?? catalog[error.code];
  return text.replaceAll('{n}', String(error.limit ?? ''));
}

export const LANGUAGES = ['en', 'es', 'fr', 'de', 'hi', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGS: Record<Language, MessageCatalog> = {
  en: EN_MESSAGES,
  es: {
    required: 'Este campo es obligatorio.',
    too_short: 'Usa al menos {n} caracteres.',
    too_long: 'Usa como máximo {n} caracteres.',
    pattern: 'Respeta el formato solicitado.',
    email: 'Introduce una dirección de correo válida.',
    url: 'Introduce una dirección web válida que empiece por http:// o https://.',
    tel: 'Introduce un número de teléfono válido.',
    number: 'Introduce un número.',
    date: 'Introduce una fecha válida (AAAA-MM-DD).',
    too_small: 'Introduce {n} o más.',
    too_large: 'Introduce {n} o menos.',
    option: 'Elige una de las opciones de la lista.',
    type: 'Este valor no tiene el tipo correcto.',
    characters: 'Este valor contiene caracteres no permitidos.',
    send: 'Enviar',
    sending: 'Enviando…',
    sent: '¡Gracias! Hemos recibido tu envío.',
    invalid: 'Corrige los campos marcados.',
    saved: 'Aún no se ha enviado: tu envío se ha guardado en este dispositivo y se enviará automáticamente.',
    failed: 'Lo sentimos, no se pudo enviar.',
    choose: 'Elige…',
    unavailable: 'Este formulario no se puede cargar ahora mismo.',
  },
  fr: {
    required: 'Ce champ est obligatoire.',
    too_short: 'Utilisez au moins {n} caractères.',
    too_long: 'Utilisez au plus {n} caractères.',
    pattern: 'Respectez le format demandé.',
    email: 'Saisissez une adresse e-mail valide.',
    url: 'Saisissez une adresse web valide commençant par http:// ou https://.',
    tel: 'Saisissez un numéro de téléphone valide.',
    number: 'Saisissez un nombre.',
    date: 'Saisissez une date valide (AAAA-MM-JJ).',
    too_small: 'Saisissez {n} ou plus.',
    too_large: 'Saisissez {n} ou moins.',
    option: 'Choisissez une des options proposées.',
    type: "Cette valeur n'a pas le bon type.",
    characters: 'Cette valeur contient des caractères non autorisés.',
    send: 'Envoyer',
    sending: 'Envoi…',
    sent: 'Merci ! Votre envoi a bien été reçu.',
    invalid: 'Veuillez corriger les champs signalés.',
    saved: 'Pas encore envoyé : votre envoi est enregistré sur cet appareil et partira automatiquement.',
    failed: "Désolé, votre envoi n'a pas pu être transmis.",
    choose: 'Choisissez…',
    unavailable: 'Ce formulaire ne peut pas être chargé pour le moment.',
  },
  de: {
    required: 'Dieses Feld ist erforderlich.',
    too_short: 'Verwenden Sie mindestens {n} Zeichen.',
    too_long: 'Verwenden Sie höchstens {n} Zeichen.',
    pattern: 'Halten Sie sich an das verlangte Format.',
    email: 'Geben Sie eine gültige E-Mail-Adresse ein.',
    url: 'Geben Sie eine gültige Webadresse ein, die mit http:// oder https:// beginnt.',
    tel: 'Geben Sie eine gültige Telefonnummer ein.',
    number: 'Geben Sie eine Zahl ein.',
    date: 'Geben Sie ein gültiges Datum ein (JJJJ-MM-TT).',
    too_small: 'Geben Sie {n} oder mehr ein.',
    too_large: 'Geben Sie {n} oder weniger ein.',
    option: 'Wählen Sie eine der angebotenen Optionen.',
    type: 'Dieser Wert hat den falschen Typ.',
    characters: 'Dieser Wert enthält unzulässige Zeichen.',
    send: 'Senden',
    sending: 'Wird gesendet…',
    sent: 'Danke! Ihre Nachricht ist angekommen.',
    invalid: 'Bitte korrigieren Sie die markierten Felder.',
    saved: 'Noch nicht gesendet: Ihre Eingaben sind auf diesem Gerät gespeichert und werden automatisch gesendet.',
    failed: 'Leider konnte Ihre Nachricht nicht gesendet werden.',
    choose: 'Bitte wählen…',
    unavailable: 'Dieses Formular kann gerade nicht geladen werden.',
  },
  hi: {
    required: 'यह फ़ील्ड आवश्यक है।',
    too_short: 'कम से कम {n} अक्षर लिखें।',
    too_long: 'अधिकतम {n} अक्षर लिखें।',
    pattern: 'माँगे गए प्रारूप का पालन करें।',
    email: 'मान्य ईमेल पता दर्ज करें।',
    url: 'http:// या https:// से शुरू होने वाला मान्य वेब पता दर्ज करें।',
    tel: 'मान्य फ़ोन नंबर दर्ज करें।',
    number: 'एक संख्या दर्ज करें।',
    date: 'मान्य तारीख दर्ज करें (YYYY-MM-DD)।',
    too_small: '{n} या उससे अधिक दर्ज करें।',
    too_large: '{n} या उससे कम दर्ज करें।',
    option: 'सूची में से एक विकल्प चुनें।',
    type: 'इस मान का प्रकार सही नहीं है।',
    characters: 'इस मान में ऐसे अक्षर हैं जिनकी अनुमति नहीं है।',
    send: 'भेजें',
    sending: 'भेजा जा रहा है…',
    sent: 'धन्यवाद! आपका संदेश मिल गया है।',
    invalid: 'कृपया चिह्नित फ़ील्ड ठीक करें।',
    saved: 'अभी भेजा नहीं गया: आपका संदेश इस डिवाइस पर सहेजा गया है और अपने आप भेज दिया जाएगा।',
    failed: 'क्षमा करें, आपका संदेश नहीं भेजा जा सका।',
    choose: 'चुनें…',
    unavailable: 'यह फ़ॉर्म अभी लोड नहीं हो सकता।',
  },
  pt: {
    required: 'Este campo é obrigatório.',
    too_short: 'Use pelo menos {n} caracteres.',
    too_long: 'Use no máximo {n} caracteres.',
    pattern: 'Siga o formato pedido.',
    email: 'Digite um endereço de e-mail válido.',
    url: 'Digite um endereço web válido começando por http:// ou https://.',
    tel: 'Digite um número de telefone válido.',
    number: 'Digite um número.',
    date: 'Digite uma data válida (AAAA-MM-DD).',
    too_small: 'Digite {n} ou mais.',
    too_large: 'Digite {n} ou menos.',
    option: 'Escolha uma das opções da lista.',
    type: 'Este valor tem o tipo errado.',
    characters: 'Este valor contém caracteres não permitidos.',
    send: 'Enviar',
    sending: 'Enviando…',
    sent: 'Obrigado! Recebemos o seu envio.',
    invalid: 'Corrija os campos assinalados.',
    saved: 'Ainda não enviado: o seu envio foi guardado neste dispositivo e será enviado automaticamente.',
    failed: 'Desculpe, não foi possível enviar.',
    choose: 'Escolha…',
    unavailable: 'Este formulário não pode ser carregado agora.',
  },
};

/** The supported language for a BCP 47 tag ("pt-BR" → "pt"), or undefined. */
export function pickLanguage(tag: string | null | undefined): Language | undefined {
  const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((language) => language === primary);
}

/** The catalog of the first supported tag (English when none is), with the form's own texts on top. */
export function messagesFor(tags: readonly (string | null | undefined)[], overrides?: Record<string, string>): {
  lang: Language;
  messages: MessageCatalog;
} {
  let lang: Language = 'en';
  for (const tag of tags) {
    const picked = pickLanguage(tag);
    if (picked) {
      lang = picked;
      break;
    }
  }
  const messages = { ...CATALOGS[lang] };
  if (overrides) {
    for (const key of Object.keys(messages) as (keyof MessageCatalog)[]) {
      const text = overrides[key];
      if (typeof text === 'string') messages[key] = text;
    }
  }
  return { lang, messages };
}
