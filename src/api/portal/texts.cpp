#include "api/portal/texts.hpp"

#include <array>
#include <charconv>

#include "common/text.hpp"

namespace cobble::api::portal {
namespace {

// clang-format off
constexpr Texts kEnglish{
    .tag = "en",
    .title = "Unpause your ACME account",
    .form_heading = "Action required to unpause your account",
    .account = "Account ID",
    .identifiers = "Your account is paused for these identifiers, including, but not limited to:",
    .why_heading = "Why did this happen?",
    .why = "Validation of these identifiers failed many times in a row, so this account is paused for them: the CA refuses new orders that contain them. Other identifiers of the account are not affected.",
    .what_heading = "What can you do?",
    .what = "Fix what makes validation fail before you unpause, or the account will be paused again:",
    .checks = {"DNS: the A/AAAA records of each name point at the server your ACME client runs on (for DNS-01, the TXT record is published).",
               "Web server: port 80 of that server serves /.well-known/acme-challenge/ (HTTP-01), or port 443 answers TLS-ALPN-01.",
               "Firewall: nothing blocks the CA from reaching those ports.",
               "Test your setup against a staging CA first, where failed attempts do no harm."},
    .ready_heading = "Ready to unpause?",
    .ready = "The button unpauses all paused identifiers of this account, not only those listed above.",
    .button = "Please unpause my account",
    .done_one = "Successfully unpaused 1 identifier",
    .done_many = "Successfully unpaused all {n} identifiers",
    .done = "Your ACME client can order certificates for them again. If validation keeps failing, they will be paused again.",
    .some_heading = "Some identifiers were unpaused",
    .some = "{n} identifiers were unpaused, the most one click handles. Open the unpause link again and click the button again to unpause the rest.",
    .none_heading = "Account already unpaused",
    .none = "No identifiers of this account were paused: there is nothing to do.",
    .notices = {{
        {"Expired unpause link", "This link has expired. Retry issuance with your ACME client: if the account is still paused, the error it reports contains a fresh unpause link."},
        {"Invalid unpause link", "This link is not valid. Check that you copied the whole link from your ACME client's error message, or retry issuance to get a fresh one."},
        {"Invalid status address", "This address does not show a result. Open the unpause link from your ACME client's error message."},
        {"Request refused", "The unpause button only works from this site's own page. Open the unpause link from your ACME client's error message and click the button there."},
        {"An error occurred while unpausing your account", "Please try again in a few minutes."},
        {"Page not found", "There is no such page. Open the unpause link from your ACME client's error message."},
    }},
};

constexpr Texts kGerman{
    .tag = "de",
    .title = "ACME-Konto entsperren",
    .form_heading = "Aktion erforderlich, um Ihr Konto zu entsperren",
    .account = "Konto-ID",
    .identifiers = "Ihr Konto ist unter anderem für diese Bezeichner gesperrt:",
    .why_heading = "Warum ist das passiert?",
    .why = "Die Validierung dieser Bezeichner ist viele Male hintereinander fehlgeschlagen, daher ist dieses Konto für sie gesperrt: Die CA lehnt neue Bestellungen ab, die sie enthalten. Andere Bezeichner des Kontos sind nicht betroffen.",
    .what_heading = "Was können Sie tun?",
    .what = "Beheben Sie vor dem Entsperren die Ursache der fehlgeschlagenen Validierung, sonst wird das Konto erneut gesperrt:",
    .checks = {"DNS: Die A/AAAA-Einträge jedes Namens zeigen auf den Server, auf dem Ihr ACME-Client läuft (bei DNS-01 ist der TXT-Eintrag veröffentlicht).",
               "Webserver: Port 80 dieses Servers liefert /.well-known/acme-challenge/ aus (HTTP-01), oder Port 443 beantwortet TLS-ALPN-01.",
               "Firewall: Nichts hindert die CA daran, diese Ports zu erreichen.",
               "Testen Sie Ihre Einrichtung zuerst mit einer Staging-CA, wo Fehlversuche nicht schaden."},
    .ready_heading = "Bereit zum Entsperren?",
    .ready = "Die Schaltfläche entsperrt alle gesperrten Bezeichner dieses Kontos, nicht nur die oben aufgeführten.",
    .button = "Bitte mein Konto entsperren",
    .done_one = "1 Bezeichner erfolgreich entsperrt",
    .done_many = "Alle {n} Bezeichner erfolgreich entsperrt",
    .done = "Ihr ACME-Client kann wieder Zertifikate für sie bestellen. Schlägt die Validierung weiterhin fehl, werden sie erneut gesperrt.",
    .some_heading = "Einige Bezeichner wurden entsperrt",
    .some = "{n} Bezeichner wurden entsperrt, das Maximum pro Klick. Öffnen Sie den Entsperr-Link erneut und klicken Sie noch einmal, um die übrigen zu entsperren.",
    .none_heading = "Konto bereits entsperrt",
    .none = "Für dieses Konto war nichts gesperrt: Es ist nichts zu tun.",
    .notices = {{
        {"Entsperr-Link abgelaufen", "Dieser Link ist abgelaufen. Versuchen Sie die Ausstellung mit Ihrem ACME-Client erneut: Ist das Konto noch gesperrt, enthält die gemeldete Fehlermeldung einen neuen Entsperr-Link."},
        {"Ungültiger Entsperr-Link", "Dieser Link ist ungültig. Prüfen Sie, ob Sie den vollständigen Link aus der Fehlermeldung Ihres ACME-Clients kopiert haben, oder versuchen Sie die Ausstellung erneut, um einen neuen zu erhalten."},
        {"Ungültige Statusadresse", "Diese Adresse zeigt kein Ergebnis. Öffnen Sie den Entsperr-Link aus der Fehlermeldung Ihres ACME-Clients."},
        {"Anfrage abgelehnt", "Die Entsperr-Schaltfläche funktioniert nur auf der Seite dieser Website. Öffnen Sie den Entsperr-Link aus der Fehlermeldung Ihres ACME-Clients und klicken Sie dort."},
        {"Beim Entsperren Ihres Kontos ist ein Fehler aufgetreten", "Bitte versuchen Sie es in einigen Minuten erneut."},
        {"Seite nicht gefunden", "Diese Seite gibt es nicht. Öffnen Sie den Entsperr-Link aus der Fehlermeldung Ihres ACME-Clients."},
    }},
};

constexpr Texts kFrench{
    .tag = "fr",
    .title = "Réactiver votre compte ACME",
    .form_heading = "Action requise pour réactiver votre compte",
    .account = "Identifiant du compte",
    .identifiers = "Votre compte est suspendu pour ces identifiants, notamment (liste non exhaustive) :",
    .why_heading = "Pourquoi cela s'est-il produit ?",
    .why = "La validation de ces identifiants a échoué de nombreuses fois de suite ; ce compte est donc suspendu pour eux : l'AC refuse les nouvelles commandes qui les contiennent. Les autres identifiants du compte ne sont pas concernés.",
    .what_heading = "Que pouvez-vous faire ?",
    .what = "Corrigez la cause des échecs de validation avant de réactiver le compte, sinon il sera de nouveau suspendu :",
    .checks = {"DNS : les enregistrements A/AAAA de chaque nom pointent vers le serveur où tourne votre client ACME (pour DNS-01, l'enregistrement TXT est publié).",
               "Serveur web : le port 80 de ce serveur sert /.well-known/acme-challenge/ (HTTP-01), ou le port 443 répond à TLS-ALPN-01.",
               "Pare-feu : rien n'empêche l'AC d'atteindre ces ports.",
               "Testez d'abord votre configuration avec une AC de test (staging), où les échecs sont sans conséquence."},
    .ready_heading = "Prêt à réactiver ?",
    .ready = "Le bouton réactive tous les identifiants suspendus de ce compte, pas seulement ceux listés ci-dessus.",
    .button = "Réactiver mon compte",
    .done_one = "1 identifiant réactivé avec succès",
    .done_many = "Les {n} identifiants ont tous été réactivés avec succès",
    .done = "Votre client ACME peut de nouveau commander des certificats pour eux. Si la validation échoue encore, ils seront de nouveau suspendus.",
    .some_heading = "Certains identifiants ont été réactivés",
    .some = "{n} identifiants ont été réactivés, le maximum par clic. Rouvrez le lien de réactivation et cliquez de nouveau pour réactiver les autres.",
    .none_heading = "Compte déjà réactivé",
    .none = "Aucun identifiant de ce compte n'était suspendu : il n'y a rien à faire.",
    .notices = {{
        {"Lien de réactivation expiré", "Ce lien a expiré. Relancez l'émission avec votre client ACME : si le compte est toujours suspendu, l'erreur signalée contient un nouveau lien de réactivation."},
        {"Lien de réactivation invalide", "Ce lien n'est pas valide. Vérifiez que vous avez copié le lien complet depuis le message d'erreur de votre client ACME, ou relancez l'émission pour en obtenir un nouveau."},
        {"Adresse de statut invalide", "Cette adresse n'affiche aucun résultat. Ouvrez le lien de réactivation figurant dans le message d'erreur de votre client ACME."},
        {"Requête refusée", "Le bouton de réactivation ne fonctionne que depuis la page de ce site. Ouvrez le lien de réactivation du message d'erreur de votre client ACME et cliquez sur le bouton de cette page."},
        {"Une erreur s'est produite lors de la réactivation de votre compte", "Veuillez réessayer dans quelques minutes."},
        {"Page introuvable", "Cette page n'existe pas. Ouvrez le lien de réactivation figurant dans le message d'erreur de votre client ACME."},
    }},
};

constexpr Texts kSpanish{
    .tag = "es",
    .title = "Reactivar su cuenta ACME",
    .form_heading = "Se requiere una acción para reactivar su cuenta",
    .account = "ID de la cuenta",
    .identifiers = "Su cuenta está en pausa para estos identificadores, entre otros:",
    .why_heading = "¿Por qué ha ocurrido esto?",
    .why = "La validación de estos identificadores falló muchas veces seguidas, por lo que esta cuenta está en pausa para ellos: la CA rechaza los pedidos nuevos que los contienen. Los demás identificadores de la cuenta no se ven afectados.",
    .what_heading = "¿Qué puede hacer?",
    .what = "Corrija la causa de los fallos de validación antes de reactivar la cuenta; de lo contrario, volverá a pausarse:",
    .checks = {"DNS: los registros A/AAAA de cada nombre apuntan al servidor donde se ejecuta su cliente ACME (para DNS-01, el registro TXT está publicado).",
               "Servidor web: el puerto 80 de ese servidor sirve /.well-known/acme-challenge/ (HTTP-01), o el puerto 443 responde a TLS-ALPN-01.",
               "Cortafuegos: nada impide que la CA llegue a esos puertos.",
               "Pruebe primero su configuración con una CA de pruebas (staging), donde los fallos no tienen consecuencias."},
    .ready_heading = "¿Listo para reactivar?",
    .ready = "El botón reactiva todos los identificadores en pausa de esta cuenta, no solo los que aparecen arriba.",
    .button = "Reactivar mi cuenta",
    .done_one = "1 identificador reactivado correctamente",
    .done_many = "Se reactivaron correctamente los {n} identificadores",
    .done = "Su cliente ACME puede volver a pedir certificados para ellos. Si la validación sigue fallando, volverán a pausarse.",
    .some_heading = "Se reactivaron algunos identificadores",
    .some = "Se reactivaron {n} identificadores, el máximo por clic. Vuelva a abrir el enlace de reactivación y pulse el botón otra vez para reactivar el resto.",
    .none_heading = "La cuenta ya está reactivada",
    .none = "Ningún identificador de esta cuenta estaba en pausa: no hay nada que hacer.",
    .notices = {{
        {"Enlace de reactivación caducado", "Este enlace ha caducado. Vuelva a solicitar la emisión con su cliente ACME: si la cuenta sigue en pausa, el error que muestre contendrá un enlace de reactivación nuevo."},
        {"Enlace de reactivación no válido", "Este enlace no es válido. Compruebe que copió el enlace completo del mensaje de error de su cliente ACME, o vuelva a solicitar la emisión para obtener uno nuevo."},
        {"Dirección de estado no válida", "Esta dirección no muestra ningún resultado. Abra el enlace de reactivación del mensaje de error de su cliente ACME."},
        {"Solicitud rechazada", "El botón de reactivación solo funciona desde la página de este sitio. Abra el enlace de reactivación del mensaje de error de su cliente ACME y pulse el botón allí."},
        {"Se produjo un error al reactivar su cuenta", "Vuelva a intentarlo dentro de unos minutos."},
        {"Página no encontrada", "Esta página no existe. Abra el enlace de reactivación del mensaje de error de su cliente ACME."},
    }},
};

constexpr Texts kChinese{
    .tag = "zh",
    .title = "恢复您的 ACME 账户",
    .form_heading = "需要您操作以恢复账户",
    .account = "账户 ID",
    .identifiers = "您的账户已针对以下标识符暂停（包括但不限于）：",
    .why_heading = "为什么会这样？",
    .why = "这些标识符的验证连续失败了很多次，因此本账户针对它们已被暂停：CA 会拒绝包含它们的新订单。账户的其他标识符不受影响。",
    .what_heading = "您可以做什么？",
    .what = "恢复之前，请先修复导致验证失败的问题，否则账户会再次被暂停：",
    .checks = {"DNS：每个名称的 A/AAAA 记录指向运行 ACME 客户端的服务器（使用 DNS-01 时，TXT 记录已发布）。",
               "Web 服务器：该服务器的 80 端口提供 /.well-known/acme-challenge/（HTTP-01），或 443 端口响应 TLS-ALPN-01。",
               "防火墙：没有任何规则阻止 CA 访问这些端口。",
               "先用测试（staging）CA 检验您的配置，在那里失败不会造成影响。"},
    .ready_heading = "准备好恢复了吗？",
    .ready = "此按钮会恢复本账户所有被暂停的标识符，而不仅是上面列出的那些。",
    .button = "请恢复我的账户",
    .done_one = "已成功恢复 1 个标识符",
    .done_many = "已成功恢复全部 {n} 个标识符",
    .done = "您的 ACME 客户端可以再次为它们申请证书。如果验证仍然失败，它们会再次被暂停。",
    .some_heading = "已恢复部分标识符",
    .some = "已恢复 {n} 个标识符，这是每次点击的上限。请重新打开恢复链接并再次点击按钮以恢复其余标识符。",
    .none_heading = "账户已恢复",
    .none = "本账户没有被暂停的标识符：无需任何操作。",
    .notices = {{
        {"恢复链接已过期", "此链接已过期。请用您的 ACME 客户端重新申请证书：如果账户仍被暂停，它报告的错误中会包含新的恢复链接。"},
        {"恢复链接无效", "此链接无效。请确认您从 ACME 客户端的错误信息中复制了完整的链接，或重新申请证书以获取新链接。"},
        {"状态地址无效", "此地址不显示任何结果。请打开 ACME 客户端错误信息中的恢复链接。"},
        {"请求被拒绝", "恢复按钮只能在本网站的页面上使用。请打开 ACME 客户端错误信息中的恢复链接，并在该页面上点击按钮。"},
        {"恢复账户时出错", "请过几分钟再试。"},
        {"页面不存在", "没有这个页面。请打开 ACME 客户端错误信息中的恢复链接。"},
    }},
};
// clang-format on

}  // namespace

const Texts& texts(Language language) {
  switch (language) {
    case Language::de:
      return kGerman;
    case Language::fr:
      return kFrench;
    case Language::es:
      return kSpanish;
    case Language::zh:
      return kChinese;
    case Language::en:
      break;
  }
  return kEnglish;
}

namespace {

// HTTP's optional white space (RFC 9110 §5.6.3).
std::string_view trim(std::string_view s) { return common::trim(s, " \t"); }

// The q-value of one Accept-Language parameter list ("q=0.5"), 1 when absent, -1 when malformed.
double quality(std::string_view params) {
  double q = 1;
  while (!params.empty()) {
    auto semi = params.find(';');
    auto param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    auto value = param.substr(2);
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
    if (ec != std::errc() || end != value.data() + value.size() || q < 0 || q > 1) return -1;
  }
  return q;
}

}  // namespace

Language negotiate_language(std::string_view accept_language) {
  constexpr std::array<Language, 5> kAll{Language::en, Language::de, Language::fr, Language::es,
                                         Language::zh};
  Language best = Language::en;
  double best_q = 0;
  while (!accept_language.empty()) {
    auto comma = accept_language.find(',');
    auto item = accept_language.substr(0, comma);
    accept_language =
        comma == std::string_view::npos ? std::string_view() : accept_language.substr(comma + 1);
    auto semi = item.find(';');
    auto range = trim(item.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : quality(item.substr(semi + 1));
    auto primary = range.substr(0, range.find('-'));
    for (auto language : kAll) {
      auto tag = language_tag(language);
      bool match = common::iequals(primary, tag);
      if (match && q > best_q) best = language, best_q = q;
    }
  }
  return best;
}

std::string_view language_tag(Language language) { return texts(language).tag; }

}  // namespace cobble::api::portal
