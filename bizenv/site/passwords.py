"""Django's password validators with their messages in Chinese.

Django 5.2 reworded the minimum-length message and its zh_Hans catalogue has no translation of the new text,
so a short password was refused in English; these subclasses state every message themselves."""

from django.contrib.auth import password_validation as base


class MinimumLengthValidator(base.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符"


class CommonPasswordValidator(base.CommonPasswordValidator):
    def get_error_message(self):
        return "这个密码太常见，容易被猜中，请换一个"

    def get_help_text(self):
        return "不能使用常见密码"


class NumericPasswordValidator(base.NumericPasswordValidator):
    def get_error_message(self):
        return "密码不能全部是数字"

    def get_help_text(self):
        return "密码不能全部是数字"
