from django import template

from backend.projects.markdown import render

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render(text)
